//! The movie page and the rating forms on it.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{NextForm, back};
use crate::domain::{MovieId, Stars};
use crate::services;
use crate::services::movie_page::{self, Lookup};
use crate::services::recommendations::SimilarMovie;
use crate::store;
use crate::store::details::{PosterRef, StoredDetails};
use crate::store::movies::{Movie, UserAverage};
use crate::web::cover::Cover;
use crate::web::error::AppError;
use crate::web::extract::PageId;
use crate::web::session::{MaybeUser, RequireUser, SessionUser};
use crate::web::state::AppState;

const SIMILAR_MOVIES: usize = 10;
/// The rating form's value for "no rating": the rating is removed.
const CLEAR: &str = "none";

#[derive(Template, WebTemplate)]
#[template(path = "movie.html")]
pub struct MoviePage {
    user: Option<SessionUser>,
    movie: Movie,
    genres: Vec<String>,
    average: UserAverage,
    your_rating: Option<Stars>,
    error: Option<String>,
    /// Shown only to a logged-in user who has not rated the movie, once a model exists.
    predicted: Option<f32>,
    on_watchlist: bool,
    in_library: bool,
    hidden: bool,
    similar: Vec<SimilarMovie>,
    /// The viewer's ratings of the similar movies.
    similar_ratings: HashMap<i64, Stars>,
    /// Plot, cast and more from the providers, once fetched.
    extra: Option<StoredDetails>,
    poster: Option<PosterRef>,
    /// Radarr's Request button or "Requested".
    requests: services::requests::Buttons,
}

impl MoviePage {
    fn your_steps(&self) -> u8 {
        self.your_rating.map_or(0, Stars::half_steps)
    }

    fn steps_of(&self, movie: &i64) -> u8 {
        super::half_steps(self.similar_ratings.get(movie).copied())
    }

    fn tmdb_notice(&self) -> &'static str {
        crate::providers::tmdb::ATTRIBUTION
    }

    fn here(&self) -> String {
        format!("/movies/{}", self.movie.id)
    }

    fn cover(&self) -> Cover<'_> {
        Cover {
            title: &self.movie.title,
            year: self.movie.year,
            genres: &self.genres,
        }
    }

    /// The drawn cover shown when no poster is known.
    fn cover_url(&self) -> String {
        crate::web::posters::cover_url(self.movie.id, &self.cover())
    }

    /// The cover's text, for a reader who does not see it.
    fn cover_label(&self) -> String {
        self.cover().label()
    }

    fn imdb_votes(&self) -> Option<String> {
        self.movie.imdb_votes.map(group_thousands)
    }
}

/// `1234567` → `1,234,567`.
fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The movie page, or where a merged-away film's id leads now.
enum Shown {
    Page(Box<MoviePage>),
    MergedInto(MovieId),
}

async fn page(
    state: &AppState,
    user: Option<SessionUser>,
    id: MovieId,
    error: Option<String>,
) -> Result<Shown, AppError> {
    let view = match movie_page::page(
        &state.pool,
        &state.models,
        &state.providers,
        id,
        user.as_ref().map(|me| me.id),
        SIMILAR_MOVIES,
    )
    .await?
    {
        Lookup::Found(view) => view,
        Lookup::MergedInto(to) => return Ok(Shown::MergedInto(to)),
        Lookup::NotFound => return Err(AppError::no_such_movie(id)),
    };
    let similar_ratings = match &user {
        Some(me) => {
            let ids: Vec<i64> = view.similar.iter().map(|s| s.movie.id).collect();
            store::ratings::of_movies(&state.pool, me.id, &ids).await?
        }
        None => HashMap::new(),
    };
    let requests = services::requests::buttons(
        &state.pool,
        user.as_ref().map(|me| me.is_admin),
        &[id.get()],
    )
    .await?;
    let details = view.facts.details;
    Ok(Shown::Page(Box::new(MoviePage {
        user,
        movie: details.movie,
        genres: details.genres,
        average: details.average,
        your_rating: view.facts.your_rating,
        error,
        predicted: view.predicted,
        on_watchlist: view.on_watchlist,
        in_library: view.in_library,
        hidden: view.hidden,
        similar: view.similar,
        similar_ratings,
        extra: view.facts.extra,
        poster: view.facts.poster,
        requests,
    })))
}

/// The movie page; a film merged into another answers 301 to that film's page, so links
/// and bookmarks keep working.
#[tracing::instrument(skip_all, fields(movie = %id))]
pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    PageId(id): PageId<MovieId>,
) -> Result<Response, AppError> {
    Ok(match page(&state, user, id, None).await? {
        Shown::Page(page) => (*page).into_response(),
        Shown::MergedInto(to) => moved_permanently(&format!("/movies/{to}")),
    })
}

fn moved_permanently(location: &str) -> Response {
    (
        StatusCode::MOVED_PERMANENTLY,
        [(axum::http::header::LOCATION, location.to_owned())],
    )
        .into_response()
}

/// A film found at a provider: added to the catalog (once, matched by its ids) and to the
/// search index, then its page. Opening it twice, or by two users at once, finds the same
/// movie. Only a logged-in user adds: a visitor is sent to log in first.
pub async fn open_from_provider(
    State(state): State<AppState>,
    RequireUser(_me): RequireUser,
    Path((source, provider_id)): Path<(String, String)>,
) -> Result<Redirect, AppError> {
    use crate::services::any_movie::{self, AddError, Source};
    let not_found = || AppError::not_found("There is no such film.");
    let source = Source::parse(&source).ok_or_else(not_found)?;
    match any_movie::add(&state.pool, &state.providers, source, &provider_id).await {
        Ok(added) => {
            if let Some(new) = added.new {
                state.search.add(new).await;
            }
            Ok(Redirect::to(&format!("/movies/{}", added.id)))
        }
        Err(AddError::NotFound(_)) => Err(not_found()),
        Err(e @ AddError::Refused(_)) => Err(AppError::not_found(e.to_string())),
        Err(e @ AddError::Provider(..)) => Err(AppError::unavailable(e.to_string(), 60)),
        Err(AddError::Database(e)) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct RatingForm {
    stars: Option<String>,
    next: Option<String>,
}

pub async fn rate(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<MovieId>,
    Form(form): Form<RatingForm>,
) -> Result<Response, AppError> {
    // "No rating" in the select of My ratings: one control sets or clears.
    if form.stars.as_deref() == Some(CLEAR) {
        services::rating::unrate(&state.pool, me.id, id)
            .await?
            .ok_or_else(|| AppError::no_such_movie(id))?;
        return Ok(back(form.next.as_deref(), id).into_response());
    }
    let stars = match Stars::parse(form.stars.as_deref().unwrap_or_default()) {
        Ok(stars) => stars,
        Err(message) => {
            return match page(&state, Some(me), id, Some(message)).await? {
                Shown::Page(page) => Ok((StatusCode::UNPROCESSABLE_ENTITY, *page).into_response()),
                Shown::MergedInto(_) => Err(AppError::no_such_movie(id)),
            };
        }
    };
    if services::rating::rate(&state.pool, me.id, id, stars)
        .await?
        .is_none()
    {
        return Err(AppError::no_such_movie(id));
    }
    Ok(back(form.next.as_deref(), id).into_response())
}

pub async fn unrate(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<MovieId>,
    Form(form): Form<NextForm>,
) -> Result<Redirect, AppError> {
    services::rating::unrate(&state.pool, me.id, id)
        .await?
        .ok_or_else(|| AppError::no_such_movie(id))?;
    Ok(back(form.next.as_deref(), id))
}

#[cfg(test)]
mod tests {
    use super::group_thousands;

    #[test]
    fn groups_digits_by_three() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(51275), "51,275");
        assert_eq!(group_thousands(1234567), "1,234,567");
        assert_eq!(group_thousands(-1234), "-1,234");
    }
}
