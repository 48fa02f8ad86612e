//! Picks without the model: popular in the user's liked genres, and the best rated.

use crate::domain::{MovieId, Stars, UserId};
use std::collections::HashSet;

use super::picks::{Recommendation, summaries_by_id};
use crate::serving::LIKED_STARS;
use crate::store;
use crate::store::Db;
use crate::store::recommendations::MovieSummary;

/// "Well known" for the fallback: at least this many votes, about the most voted third of the
/// embedded catalog by IMDb's counts...
const WELL_KNOWN_VOTES: i64 = 25_000;
/// ...or a place among this many most voted films, where fewer have that many: films counted
/// only by a MovieLens import's raters, whose counts run far below IMDb's.
const WELL_KNOWN_RANK: i64 = 1_000;
/// Popular but poorly rated films make a bad first impression.
const MIN_IMDB_FOR_GENRE_PICKS: f64 = 6.5;

/// Popular movies of the genres the user rated well, alternating with the best rated
/// well-known movies.
pub(super) async fn fallback(
    pool: &Db,
    user_id: UserId,
    ratings: &[(MovieId, Stars)],
    exclude: &HashSet<MovieId>,
    n: usize,
) -> sqlx::Result<Vec<Recommendation>> {
    // Enough candidates that skipping everything rated or excluded still leaves `n`.
    let limit = i64::try_from(n + ratings.len() + exclude.len()).unwrap_or(i64::MAX);
    let in_genres = store::recommendations::popular_in_liked_genres(
        pool,
        user_id,
        LIKED_STARS,
        MIN_IMDB_FOR_GENRE_PICKS,
        limit,
    )
    .await?;
    let best =
        store::recommendations::best_rated(pool, WELL_KNOWN_VOTES, WELL_KNOWN_RANK, limit).await?;

    let mut seen: HashSet<i64> = ratings.iter().map(|&(movie, _)| movie.get()).collect();
    seen.extend(exclude.iter().map(|movie| movie.get()));
    let mut picks: Vec<(i64, String)> = Vec::with_capacity(n);
    let mut in_genres = in_genres.into_iter();
    let mut best = best.into_iter();
    let mut from_genres = true;
    while picks.len() < n {
        // A source's turn goes to its next film not yet seen or picked, so one the user
        // just rated does not hand the lead to the other source.
        let next = if from_genres {
            in_genres.find(|c| !seen.contains(&c.id)).map(|c| {
                let genre = c.genre.unwrap_or_default();
                (c.id, format!("Popular in {genre}, a genre you rated well"))
            })
        } else {
            best.find(|c| !seen.contains(&c.id))
                .map(|c| (c.id, "Among the best rated by critics and users".to_owned()))
        };
        from_genres = !from_genres;
        match next {
            Some((movie, reason)) => {
                seen.insert(movie);
                picks.push((movie, reason));
            }
            // One source ran dry: the loop keeps drawing from the other until both are.
            None if in_genres.len() == 0 && best.len() == 0 => break,
            None => {}
        }
    }

    let ids: Vec<i64> = picks.iter().map(|(movie, _)| *movie).collect();
    let summaries = summaries_by_id(pool, &ids).await?;
    Ok(picks
        .into_iter()
        .filter_map(|(movie, reason)| {
            Some(Recommendation {
                movie: summaries.get(&movie)?.clone(),
                predicted: None,
                reason: Some(reason),
            })
        })
        .collect())
}

/// The `n` best rated well-known films, leaving out `exclude` and, when `allowed` is given,
/// every film not in it: the picks for a group the model cannot read, as for a user.
pub async fn best_rated_fallback(
    pool: &Db,
    exclude: &HashSet<MovieId>,
    allowed: Option<&HashSet<MovieId>>,
    n: usize,
) -> sqlx::Result<Vec<MovieSummary>> {
    // Enough candidates that skipping the excluded still leaves `n`; with a filter, all of
    // them (it may allow few of the best rated).
    let limit = match allowed {
        None => i64::try_from(n + exclude.len()).unwrap_or(i64::MAX),
        Some(_) => i64::MAX,
    };
    let best =
        store::recommendations::best_rated(pool, WELL_KNOWN_VOTES, WELL_KNOWN_RANK, limit).await?;
    let ids: Vec<i64> = best
        .into_iter()
        .filter_map(|c| MovieId::new(c.id).ok())
        .filter(|movie| !exclude.contains(movie) && allowed.is_none_or(|a| a.contains(movie)))
        .take(n)
        .map(MovieId::get)
        .collect();
    let summaries = summaries_by_id(pool, &ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| summaries.get(id).cloned())
        .collect())
}
