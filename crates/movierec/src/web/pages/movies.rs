//! The movie page and the rating forms on it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::{MovieId, Stars};
use crate::recommend::{self, SimilarMovie};
use crate::store;
use crate::store::lists::List;
use crate::store::movies::{Movie, UserAverage};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::{MaybeUser, RequireUser, SessionUser, safe_next};

const SIMILAR_MOVIES: usize = 10;

#[derive(Template, WebTemplate)]
#[template(path = "movie.html")]
pub struct MoviePage {
    user: Option<SessionUser>,
    movie: Movie,
    genres: Vec<String>,
    average: UserAverage,
    your_rating: Option<Stars>,
    /// Highest first: the star input lays them out reversed (see style.css).
    choices: Vec<Stars>,
    error: Option<String>,
    /// Shown only to a logged-in user who has not rated the movie, once a model exists.
    predicted: Option<f32>,
    on_watchlist: bool,
    hidden: bool,
    similar: Vec<SimilarMovie>,
}

impl MoviePage {
    fn is_chosen(&self, stars: &Stars) -> bool {
        self.your_rating == Some(*stars)
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

/// Parses the id in the path; a malformed one is simply a page that does not exist.
pub fn movie_id(raw: &str) -> Result<MovieId, AppError> {
    MovieId::parse(raw).map_err(|_| no_such_movie(raw))
}

fn no_such_movie(raw: &str) -> AppError {
    let shown: String = raw.chars().take(20).collect();
    AppError::not_found(format!("There is no movie with id {shown}."))
}

async fn page(
    state: &AppState,
    user: Option<SessionUser>,
    id: MovieId,
    error: Option<String>,
) -> Result<MoviePage, AppError> {
    let movie = store::movies::find(&state.pool, id)
        .await?
        .ok_or_else(|| no_such_movie(&id.to_string()))?;
    let genres = store::movies::genres(&state.pool, id).await?;
    let average = store::movies::user_average(&state.pool, id).await?;
    let your_rating = match &user {
        Some(me) => store::ratings::find(&state.pool, me.id, id)
            .await?
            .and_then(|r| Stars::from_f64(r).ok()),
        None => None,
    };
    let (predicted, on_watchlist, hidden) = match &user {
        Some(me) => (
            match your_rating {
                Some(_) => None,
                None => {
                    recommend::predicted_for(&state.pool, &state.models, me.id, id.get()).await?
                }
            },
            store::lists::contains(&state.pool, List::Watchlist, me.id, id).await?,
            store::lists::contains(&state.pool, List::Hidden, me.id, id).await?,
        ),
        None => (None, false, false),
    };
    let similar = recommend::similar_movies(
        &state.pool,
        &state.models,
        id.get(),
        user.as_ref().map(|me| me.id),
        SIMILAR_MOVIES,
    )
    .await?;
    Ok(MoviePage {
        user,
        movie,
        genres,
        average,
        your_rating,
        choices: Stars::all().rev().collect(),
        error,
        predicted,
        on_watchlist,
        hidden,
        similar,
    })
}

pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(raw): Path<String>,
) -> Result<MoviePage, AppError> {
    page(&state, user, movie_id(&raw)?, None).await
}

#[derive(Debug, Deserialize)]
pub struct RatingForm {
    stars: Option<String>,
    next: Option<String>,
}

pub async fn rate(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(raw): Path<String>,
    Form(form): Form<RatingForm>,
) -> Result<Response, AppError> {
    let id = movie_id(&raw)?;
    let stars = match Stars::parse(form.stars.as_deref().unwrap_or_default()) {
        Ok(stars) => stars,
        Err(message) => {
            let page = page(&state, Some(me), id, Some(message)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    if !store::ratings::upsert(&state.pool, me.id, id, stars).await? {
        return Err(no_such_movie(&raw));
    }
    Ok(back(form.next.as_deref(), id).into_response())
}

#[derive(Debug, Deserialize)]
pub struct NextForm {
    pub next: Option<String>,
}

pub async fn unrate(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(raw): Path<String>,
    Form(form): Form<NextForm>,
) -> Result<Redirect, AppError> {
    let id = movie_id(&raw)?;
    // Removing a rating that is not there is already the wanted outcome.
    store::ratings::delete(&state.pool, me.id, id).await?;
    Ok(back(form.next.as_deref(), id))
}

pub fn back(next: Option<&str>, id: MovieId) -> Redirect {
    match next {
        Some(_) => Redirect::to(&safe_next(next)),
        None => Redirect::to(&format!("/movies/{id}")),
    }
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
