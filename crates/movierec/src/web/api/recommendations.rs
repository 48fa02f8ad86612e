//! `GET /api/v1/recommendations` and `GET /api/v1/movies/{id}/similar`.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::domain::MovieId;
use crate::services::recommendations::{self, Source};
use crate::store;
use crate::web::error::AppError;
use crate::web::extract::ApiId;
use crate::web::session::{MaybeUser, RequireUser};
use crate::web::state::AppState;

/// The most picks one request may ask for: as deep as a user's picks are worked out.
const MAX_N: usize = recommendations::MAX_PICKS;
const DEFAULT_RECOMMENDATIONS: usize = 20;
const DEFAULT_SIMILAR: usize = 10;

#[derive(Debug, Deserialize)]
pub struct CountQuery {
    n: Option<String>,
}

/// `GET /api/v1/recommendations`: how many, and `library=only` for "Watch tonight" (films
/// of the user's media-server library).
#[derive(Debug, Deserialize)]
pub struct RecommendationsQuery {
    n: Option<String>,
    library: Option<String>,
}

impl RecommendationsQuery {
    /// Whether only library films are asked for; any other value of `library` is refused.
    fn library_only(&self) -> Result<bool, AppError> {
        match self.library.as_deref().map(str::trim) {
            None | Some("" | "any") => Ok(false),
            Some("only") => Ok(true),
            Some(_) => Err(AppError::bad_request(
                "library: Give only (films of your media server's library) or any.",
            )),
        }
    }
}

impl CountQuery {
    /// `n`, or `default` when absent; anything but a whole number in 1..=100 is refused.
    fn get(&self, default: usize) -> Result<usize, AppError> {
        match self.n.as_deref() {
            None => Ok(default),
            Some(raw) => match raw.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_N).contains(&n) => Ok(n),
                _ => Err(AppError::bad_request(format!(
                    "n: Give a whole number from 1 to {MAX_N}."
                ))),
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RecommendationJson {
    movie_id: i64,
    title: String,
    year: Option<i64>,
    genre: Option<String>,
    /// `null` for fallback picks: only the model predicts.
    predicted_rating: Option<f32>,
    reason: Option<String>,
    source: Source,
    /// In the user's media-server library (found by a history pull).
    in_library: bool,
}

#[tracing::instrument(skip_all, fields(user = me.id.get()))]
pub async fn recommendations(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Query(query): Query<RecommendationsQuery>,
) -> Result<Json<Vec<RecommendationJson>>, AppError> {
    let n = CountQuery { n: query.n.clone() }.get(DEFAULT_RECOMMENDATIONS)?;
    let library = store::media_library::library(&state.pool, me.id).await?;
    let found = if query.library_only()? {
        recommendations::in_library(&state.pool, &state.models, me.id, &library, n).await?
    } else {
        recommendations::for_user(&state.pool, &state.models, &state.caches.picks, me.id, n).await?
    };
    let source = found.source;
    Ok(Json(
        found
            .items
            .into_iter()
            .map(|r| RecommendationJson {
                movie_id: r.movie.id,
                title: r.movie.title,
                year: r.movie.year,
                genre: r.movie.genre,
                predicted_rating: r.predicted,
                reason: r.reason,
                source,
                in_library: MovieId::new(r.movie.id).is_ok_and(|m| library.contains(&m)),
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize)]
pub struct SimilarJson {
    movie_id: i64,
    title: String,
    year: Option<i64>,
    genre: Option<String>,
    similarity: f32,
}

/// Empty until a model is trained; a logged-in user's hidden movies are left out. A film
/// merged into another answers 308 to that film's URL.
pub async fn similar(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ApiId(id): ApiId<MovieId>,
    Query(query): Query<CountQuery>,
) -> Result<Response, AppError> {
    let n = query.get(DEFAULT_SIMILAR)?;
    if store::movies::find(&state.pool, id).await?.is_none() {
        return match store::merge::redirect(&state.pool, id).await? {
            Some(to) => {
                let count = match query.n {
                    Some(_) => format!("?n={n}"),
                    None => String::new(),
                };
                let location = format!("/api/v1/movies/{to}/similar{count}");
                Ok(Redirect::permanent(&location).into_response())
            }
            None => Err(AppError::no_such_movie(id)),
        };
    }
    let similar =
        recommendations::similar_movies(&state.pool, &state.models, id, user.map(|me| me.id), n)
            .await?;
    Ok(Json(
        similar
            .into_iter()
            .map(|s| SimilarJson {
                movie_id: s.movie.id,
                title: s.movie.title,
                year: s.movie.year,
                genre: s.movie.genre,
                similarity: s.similarity,
            })
            .collect::<Vec<_>>(),
    )
    .into_response())
}
