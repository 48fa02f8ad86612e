//! A user's recommendations: the model's picks with their reasons, or the fallback.

use std::collections::HashSet;
use std::time::Instant;

use super::caches::{CachedPicks, MAX_PICKS, PicksCache, inputs_digest};
use super::fallback::fallback;
use super::picks::{Recommendation, Recommendations, Source, summaries_by_id};
use crate::domain::{MovieId, UserId};
use crate::serving::{LIKED_STARS, ModelPick, ModelSlot, rank_with_seen};
use crate::store;
use crate::store::Db;

/// Up to `n` recommendations for a user, from the current model or the fallback. Movies the
/// user rated, hid, marked seen or put on the watchlist (kept aside already) are never
/// included. The result is taken from `cache` when nothing it depends on has changed; `n`
/// above [`MAX_PICKS`] counts as [`MAX_PICKS`].
pub async fn for_user(
    pool: &Db,
    models: &ModelSlot,
    cache: &PicksCache,
    user_id: UserId,
    n: usize,
) -> sqlx::Result<Recommendations> {
    let n = n.min(MAX_PICKS);
    let store::recommendations::PickInputs {
        ratings,
        lists,
        catalog_generation: generation,
    } = store::recommendations::pick_inputs(pool, user_id).await?;
    let serving = models.current();
    let digest = inputs_digest(
        serving.as_ref().map(|s| s.version),
        generation,
        &ratings,
        &lists,
    );
    let mut rated_or_hidden: HashSet<i64> = ratings.iter().map(|&(movie, _)| movie.get()).collect();
    rated_or_hidden.extend(lists.hidden.iter().map(|movie| movie.get()));
    let rated = ratings.len();
    let found = move |(source, items): (Source, Vec<Recommendation>)| Recommendations {
        source,
        items,
        rated,
        rated_or_hidden,
    };
    if let Some(cached) = cache.get(user_id, digest, n) {
        return Ok(found(cached));
    }
    let mut exclude: HashSet<MovieId> = lists.hidden.into_iter().collect();
    exclude.extend(lists.watchlist);
    // Watched already, though never rated here: never recommended, and a signal of taste
    // for the implicit-feedback model.
    let seen = lists.seen;
    exclude.extend(&seen);
    let (ratings, exclude, picks) = match serving {
        Some(serving) => {
            let turn = models.turn().await;
            // The same user's other requests may have computed these picks while this one
            // waited for its turn.
            if let Some(cached) = cache.get(user_id, digest, n) {
                return Ok(found(cached));
            }
            turn.run(move || {
                let picks = rank_with_seen(&serving, &ratings, &seen, &exclude, MAX_PICKS);
                (ratings, exclude, picks)
            })
            .await
        }
        None => (ratings, exclude, None),
    };
    let (source, items) = match picks {
        Some(picks) => (Source::Model, with_titles(pool, picks, user_id).await?),
        None => (
            Source::Fallback,
            fallback(pool, user_id, &ratings, &exclude, MAX_PICKS).await?,
        ),
    };
    let first: Vec<Recommendation> = items.iter().take(n).cloned().collect();
    cache.put(
        user_id,
        CachedPicks {
            digest,
            source,
            items,
            computed: Instant::now(),
        },
    );
    Ok(found((source, first)))
}

/// The picks with their titles and reasons: the liked film behind a pick, or, when no single
/// film is, a genre the pick shares with the user's liked films ("liked" as the fallback
/// reads it).
pub(super) async fn with_titles(
    pool: &Db,
    picks: Vec<ModelPick>,
    user_id: UserId,
) -> sqlx::Result<Vec<Recommendation>> {
    let mut ids: Vec<i64> = picks.iter().map(|p| p.movie_id.get()).collect();
    ids.extend(
        picks
            .iter()
            .filter_map(|p| p.because.map(|(movie, _)| movie.get())),
    );
    let summaries = summaries_by_id(pool, &ids).await?;
    let liked_genres: HashSet<String> =
        store::recommendations::liked_genres(pool, user_id, LIKED_STARS)
            .await?
            .into_iter()
            .collect();
    Ok(picks
        .into_iter()
        .filter_map(|pick| {
            let movie = summaries.get(&pick.movie_id.get())?;
            let reason = match pick.because {
                Some((liked, stars)) => {
                    let liked = summaries.get(&liked.get())?;
                    format!("Because you rated {} {stars}★", liked.title)
                }
                None => match movie.genre.as_deref() {
                    Some(genre) if liked_genres.contains(genre) => {
                        format!("Liked by people who enjoy {genre} films as you do")
                    }
                    _ => "Close to your taste as a whole".to_owned(),
                },
            };
            Some(Recommendation {
                movie: movie.clone(),
                predicted: Some(pick.predicted),
                reason: Some(reason),
            })
        })
        .collect())
}
