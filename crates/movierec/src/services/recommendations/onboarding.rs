//! Well-known, varied movies for a new user to rate.

use std::collections::HashSet;

use crate::store;
use crate::store::Db;
use crate::store::recommendations::MovieSummary;

/// Onboarding shows well-known movies while a user has fewer ratings than this.
pub const ONBOARDING_UNTIL: usize = 10;
/// How many of the most voted movies onboarding chooses from.
const ONBOARDING_POOL: i64 = 400;

/// Up to `n` well-known, varied movies for a new user to rate: the most voted of each genre in
/// turn, leaving out `skip` (the movies the user rated or hid, as [`for_user`](super::for_user()) read them).
pub async fn onboarding(
    pool: &Db,
    skip: &HashSet<i64>,
    n: usize,
) -> sqlx::Result<Vec<MovieSummary>> {
    let candidates = store::recommendations::most_voted(pool, ONBOARDING_POOL).await?;
    Ok(round_robin_by_genre(candidates, skip, n))
}

/// Takes the first remaining movie of each genre in turn, genres in order of their first
/// movie, so the most voted lead and no genre crowds out the others.
fn round_robin_by_genre(
    candidates: Vec<MovieSummary>,
    skip: &HashSet<i64>,
    n: usize,
) -> Vec<MovieSummary> {
    let mut genres: Vec<(Option<String>, std::collections::VecDeque<MovieSummary>)> = Vec::new();
    for movie in candidates.into_iter().filter(|m| !skip.contains(&m.id)) {
        match genres.iter_mut().find(|(genre, _)| *genre == movie.genre) {
            Some((_, queue)) => queue.push_back(movie),
            None => genres.push((movie.genre.clone(), [movie].into())),
        }
    }
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let before = out.len();
        for (_, queue) in &mut genres {
            if out.len() == n {
                break;
            }
            if let Some(movie) = queue.pop_front() {
                out.push(movie);
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: i64, genre: &str) -> MovieSummary {
        MovieSummary {
            id,
            title: format!("Movie {id}"),
            year: Some(2000),
            genre: Some(genre.to_owned()),
        }
    }
    #[test]
    fn onboarding_takes_genres_in_turn_and_skips_rated() {
        let candidates = vec![
            summary(1, "Drama"),
            summary(2, "Drama"),
            summary(3, "Drama"),
            summary(4, "Action"),
            summary(5, "Horror"),
            summary(6, "Action"),
        ];
        let picked: Vec<i64> = round_robin_by_genre(candidates.clone(), &[2].into(), 5)
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(picked, vec![1, 4, 5, 3, 6]);
        assert_eq!(
            round_robin_by_genre(candidates, &HashSet::new(), 20).len(),
            6
        );
    }
}
