//! Movies similar to one, with their titles.

use std::collections::HashSet;
use std::sync::Arc;

use super::picks::summaries_by_id;
use crate::domain::{MovieId, UserId};
use crate::serving::{ModelSlot, ServingModel, similar};
use crate::store;
use crate::store::Db;
use crate::store::recommendations::MovieSummary;

/// A movie near another in factor space.
#[derive(Debug, Clone)]
pub struct SimilarMovie {
    pub movie: MovieSummary,
    /// Cosine similarity of the two movies' factors, -1 to 1.
    pub similarity: f32,
}

/// Up to `n` movies similar to `movie` by the current model, leaving out those `user_id`
/// hid; empty when there is no model yet or it does not know the movie.
pub async fn similar_movies(
    pool: &Db,
    models: &ModelSlot,
    movie: MovieId,
    user_id: Option<UserId>,
    n: usize,
) -> sqlx::Result<Vec<SimilarMovie>> {
    let Some(serving) = models.current() else {
        return Ok(Vec::new());
    };
    let hidden: HashSet<MovieId> = match user_id {
        Some(user) => store::lists::for_user(pool, user)
            .await?
            .hidden
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    similar_with_titles(pool, models, serving, movie, hidden, n).await
}

/// [`similar`] with the movies' summaries, for a caller that already knows what to leave out.
/// Worked out in a turn of `models` (see [`ModelSlot::turn`]): it scores the whole catalog.
pub async fn similar_with_titles(
    pool: &Db,
    models: &ModelSlot,
    serving: Arc<ServingModel>,
    movie: MovieId,
    exclude: HashSet<MovieId>,
    n: usize,
) -> sqlx::Result<Vec<SimilarMovie>> {
    let nearest = models
        .turn()
        .await
        .run(move || similar(&serving, movie, &exclude, n))
        .await;
    let ids: Vec<i64> = nearest.iter().map(|(movie, _)| movie.get()).collect();
    let summaries = summaries_by_id(pool, &ids).await?;
    Ok(nearest
        .into_iter()
        .filter_map(|(movie, similarity)| {
            Some(SimilarMovie {
                movie: summaries.get(&movie.get())?.clone(),
                similarity,
            })
        })
        .collect())
}
