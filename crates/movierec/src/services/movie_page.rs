//! One movie as the movie page and `GET /api/v1/movies/{id}` show it, each read once.
//!
//! The page needs the viewer's ratings (their own rating of this movie, and the fold-in that
//! predicts it) and both lists (the buttons' state, and the hidden movies left out of the
//! similar ones): one read each, shared by everything derived from them.

use std::collections::HashSet;

use sqlx::SqlitePool;

use crate::domain::{MovieId, Stars};
use crate::jobs::ModelSlot;
use crate::recommend::{self, SimilarMovie};
use crate::store;
use crate::store::movies::MovieDetails;

/// What anyone sees of a movie, and the viewer's own rating of it.
#[derive(Debug, Clone)]
pub struct MovieFacts {
    pub details: MovieDetails,
    /// `None` for a visitor who is not logged in or has not rated it.
    pub your_rating: Option<Stars>,
}

/// Everything the movie page shows.
#[derive(Debug, Clone)]
pub struct MoviePageView {
    pub facts: MovieFacts,
    /// The model's guess, for a logged-in viewer who has not rated the movie, once a model
    /// exists and knows enough of their ratings.
    pub predicted: Option<f32>,
    pub on_watchlist: bool,
    pub hidden: bool,
    /// Nearest by the model, leaving out the viewer's hidden movies; empty without a model.
    pub similar: Vec<SimilarMovie>,
}

/// The movie and the viewer's rating: two statements. `None` when there is no such movie.
pub async fn facts(
    pool: &SqlitePool,
    id: MovieId,
    viewer: Option<i64>,
) -> sqlx::Result<Option<MovieFacts>> {
    let Some(details) = store::movies::details(pool, id).await? else {
        return Ok(None);
    };
    let your_rating = match viewer {
        Some(user) => store::ratings::find(pool, user, id)
            .await?
            .and_then(|stars| Stars::from_f64(stars).ok()),
        None => None,
    };
    Ok(Some(MovieFacts {
        details,
        your_rating,
    }))
}

/// The whole page: the movie, then (for a logged-in viewer) their ratings and their lists,
/// then the similar movies' titles. `None` when there is no such movie.
pub async fn page(
    pool: &SqlitePool,
    models: &ModelSlot,
    id: MovieId,
    viewer: Option<i64>,
    similar: usize,
) -> sqlx::Result<Option<MoviePageView>> {
    let Some(details) = store::movies::details(pool, id).await? else {
        return Ok(None);
    };
    let serving = models.current();
    let mut view = MoviePageView {
        facts: MovieFacts {
            details,
            your_rating: None,
        },
        predicted: None,
        on_watchlist: false,
        hidden: false,
        similar: Vec::new(),
    };
    let mut hidden_movies = HashSet::new();
    if let Some(user) = viewer {
        let ratings = store::recommendations::user_ratings(pool, user).await?;
        let lists = store::lists::for_user(pool, user).await?;
        view.facts.your_rating = ratings
            .iter()
            .find(|&&(movie, _)| movie == id.get())
            .and_then(|&(_, stars)| Stars::from_f64(stars).ok());
        if view.facts.your_rating.is_none() {
            view.predicted = serving
                .as_deref()
                .and_then(|serving| recommend::predicted_rating(serving, &ratings, id));
        }
        view.on_watchlist = lists.watchlist.contains(&id.get());
        view.hidden = lists.hidden.contains(&id.get());
        hidden_movies.extend(lists.hidden);
    }
    if let Some(serving) = &serving {
        view.similar =
            recommend::similar_with_titles(pool, serving, id, &hidden_movies, similar).await?;
    }
    Ok(Some(view))
}
