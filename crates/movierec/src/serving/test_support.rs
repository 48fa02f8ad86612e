//! What the serving tests share: ids and ratings as the store hands them over.

use crate::domain::{MovieId, Stars};

pub(crate) fn movie(id: i64) -> MovieId {
    MovieId::new(id).unwrap()
}

/// `(movie, stars)` pairs as the store hands them over.
pub(crate) fn rated(pairs: &[(i64, f64)]) -> Vec<(MovieId, Stars)> {
    pairs
        .iter()
        .map(|&(id, stars)| (movie(id), Stars::from_f64(stars).unwrap()))
        .collect()
}
