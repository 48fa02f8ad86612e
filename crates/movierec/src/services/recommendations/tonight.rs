//! "Watch tonight": the user's recommendations among the films their media server holds.
//! Unlike their picks, a film on their watchlist is welcome here: it is what they meant to
//! watch, and it is at hand.

use std::collections::HashSet;

use super::fallback::fallback;
use super::for_user::with_titles;
use super::picks::{Recommendation, Recommendations, Source, summaries_by_id};
use crate::domain::{MovieId, UserId};
use crate::serving::{ModelSlot, rank_among};
use crate::store;
use crate::store::Db;

/// How deep the fallback's order is read for films of the library.
const FALLBACK_DEPTH: usize = 1_000;

/// Up to `n` films of the user's `library` (as the caller read it) they have not rated, seen or hidden, best first:
/// the model's order, or without one the fallback's (then the rest of the library).
#[tracing::instrument(skip(pool, models), fields(user = user_id.get()))]
pub async fn in_library(
    pool: &Db,
    models: &ModelSlot,
    user_id: UserId,
    library: &HashSet<MovieId>,
    n: usize,
) -> sqlx::Result<Recommendations> {
    let store::recommendations::PickInputs { ratings, lists, .. } =
        store::recommendations::pick_inputs(pool, user_id).await?;
    let mut rated_or_hidden: HashSet<i64> = ratings.iter().map(|&(movie, _)| movie.get()).collect();
    rated_or_hidden.extend(lists.hidden.iter().map(|movie| movie.get()));
    let rated = ratings.len();
    let mut exclude: HashSet<MovieId> = lists.hidden.into_iter().collect();
    exclude.extend(&lists.seen);
    exclude.extend(ratings.iter().map(|&(movie, _)| movie));
    let found = |source, items| Recommendations {
        source,
        items,
        rated,
        rated_or_hidden,
    };
    let candidates: HashSet<MovieId> = library.difference(&exclude).copied().collect();
    if candidates.is_empty() {
        return Ok(found(Source::Model, Vec::new()));
    }
    let (ratings, picks) = match models.current() {
        Some(serving) => {
            let seen = lists.seen;
            models
                .turn()
                .await
                .run(move || {
                    let only = Some(&candidates);
                    let picks = rank_among(&serving, &ratings, &seen, &HashSet::new(), only, n);
                    (ratings, picks)
                })
                .await
        }
        None => (ratings, None),
    };
    if let Some(picks) = picks {
        return Ok(found(
            Source::Model,
            with_titles(pool, picks, user_id).await?,
        ));
    }
    // No model, or too few ratings: the fallback's order among the library's films, then the
    // library's other films.
    let all = fallback(pool, user_id, &ratings, &exclude, FALLBACK_DEPTH).await?;
    let in_library = |id: i64| MovieId::new(id).is_ok_and(|m| library.contains(&m));
    let mut items: Vec<Recommendation> = all
        .into_iter()
        .filter(|r| in_library(r.movie.id))
        .take(n)
        .collect();
    if items.len() < n {
        let listed: HashSet<i64> = items.iter().map(|r| r.movie.id).collect();
        let mut rest: Vec<i64> = library
            .iter()
            .filter(|m| !exclude.contains(m))
            .map(|m| m.get())
            .filter(|id| !listed.contains(id))
            .collect();
        rest.sort_unstable();
        let summaries = summaries_by_id(pool, &rest).await?;
        let mut more: Vec<Recommendation> = rest
            .iter()
            .filter_map(|id| summaries.get(id).cloned())
            .map(|movie| Recommendation {
                movie,
                predicted: None,
                reason: None,
            })
            .collect();
        more.sort_by(|a, b| a.movie.title.cmp(&b.movie.title));
        items.extend(more.into_iter().take(n - items.len()));
    }
    Ok(found(Source::Fallback, items))
}
