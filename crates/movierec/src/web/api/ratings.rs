//! `/api/v1/me/ratings`: the caller's ratings, listed, set and removed.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::ApiJson;
use crate::domain::{MovieId, PageNumber, RatingSort, Stars};
use crate::services;
use crate::store;
use crate::store::ratings::RatedMovie;
use crate::web::error::AppError;
use crate::web::extract::ApiId;
use crate::web::session::RequireUser;
use crate::web::state::AppState;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    sort: Option<String>,
    page: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RatingList {
    sort: &'static str,
    page: i64,
    pages: i64,
    per_page: i64,
    total: i64,
    ratings: Vec<RatingItem>,
}

#[derive(Debug, Serialize)]
pub struct RatingItem {
    movie_id: i64,
    title: String,
    year: Option<i64>,
    rating: f64,
    /// Seconds since the Unix epoch.
    updated_at: i64,
    /// When it was rated: an imported file's date, else `updated_at`.
    rated_at: i64,
}

impl From<RatedMovie> for RatingItem {
    fn from(r: RatedMovie) -> Self {
        Self {
            movie_id: r.movie_id.get(),
            title: r.title,
            year: r.year,
            rating: r.rating.value(),
            updated_at: r.updated_at,
            rated_at: r.rated_at,
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<RatingList>, AppError> {
    let sort = match query.sort.as_deref() {
        None => RatingSort::default(),
        Some(key) => {
            RatingSort::parse(key).map_err(|e| AppError::bad_request(format!("sort: {e}")))?
        }
    };
    let page = match query.page.as_deref() {
        None => PageNumber::FIRST,
        Some(raw) => {
            PageNumber::parse(raw).map_err(|e| AppError::bad_request(format!("page: {e}")))?
        }
    };
    let total = store::ratings::count_for_user(&state.pool, me.id).await?;
    let ratings = store::ratings::list_for_user(&state.pool, me.id, sort, page).await?;
    Ok(Json(RatingList {
        sort: sort.key(),
        page: page.get(),
        pages: PageNumber::count(total),
        per_page: PageNumber::PER_PAGE,
        total,
        ratings: ratings.into_iter().map(RatingItem::from).collect(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    /// Any JSON value, so that a wrong one gets the same message as on the movie page.
    rating: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct RatingSet {
    movie_id: i64,
    rating: f64,
    /// The movie was on the caller's watchlist and rating it took it off.
    left_watchlist: bool,
    /// Our users' average in stars with this rating, as `GET /api/v1/movies/{id}` gives it.
    users_average: Option<f64>,
    users_count: i64,
}

pub async fn put(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<MovieId>,
    ApiJson(body): ApiJson<RatingBody>,
) -> Result<Json<RatingSet>, AppError> {
    // A JSON number prints as the decimal the form would have sent; anything else
    // (a string, null, true) prints as something Stars refuses as "not a number".
    let typed = body.rating.map(|v| v.to_string()).unwrap_or_default();
    let stars = Stars::parse(&typed).map_err(|e| AppError::bad_request(format!("rating: {e}")))?;
    let rated = services::rating::rate(&state.pool, me.id, id, stars)
        .await?
        .ok_or_else(|| AppError::no_such_movie(id))?;
    Ok(Json(RatingSet {
        movie_id: id.get(),
        rating: stars.value(),
        left_watchlist: rated.left_watchlist,
        users_average: rated.users.average,
        users_count: rated.users.count,
    }))
}

/// Removing a rating that is not there succeeds too: the outcome is the one asked for.
pub async fn delete(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<MovieId>,
) -> Result<StatusCode, AppError> {
    services::rating::unrate(&state.pool, me.id, id)
        .await?
        .ok_or_else(|| AppError::no_such_movie(id))?;
    Ok(StatusCode::NO_CONTENT)
}
