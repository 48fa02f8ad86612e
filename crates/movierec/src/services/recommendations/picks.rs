//! What every recommendation flow returns, and the summaries it is shown with.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::store;
use crate::store::Db;
use crate::store::recommendations::MovieSummary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Ranked by the trained model for this user.
    Model,
    /// No model yet or too few ratings: best rated and popular in the user's genres.
    Fallback,
}

#[derive(Debug, Clone)]
pub struct Recommendation {
    pub movie: MovieSummary,
    /// On the 0.5–5 scale; only the model predicts.
    pub predicted: Option<f32>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Recommendations {
    pub source: Source,
    pub items: Vec<Recommendation>,
    /// How many movies the user has rated, read on the way.
    pub rated: usize,
    /// Movies the user rated or hid: never offered for rating again (see [`onboarding`](super::onboarding())).
    pub rated_or_hidden: HashSet<i64>,
}

pub(super) async fn summaries_by_id(
    pool: &Db,
    ids: &[i64],
) -> sqlx::Result<HashMap<i64, MovieSummary>> {
    Ok(store::recommendations::summaries(pool, ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}
