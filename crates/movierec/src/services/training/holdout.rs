//! The held-out sample a trained model is measured on.

use crate::serving::Dataset;
use crate::store::Db;
use movierec_engine::{DatasetBuilder, Ratings, eval};

/// Share of the ratings held out to measure the model.
pub const HOLDOUT_FRACTION: f64 = 0.05;
/// Seed of the held-out sample, so runs on the same data are comparable.
pub const HOLDOUT_SEED: u64 = 7;

/// Rows to train on and rows held out: a seeded `fraction` of all rows, except that every
/// user keeps at least one rating in training (a user the model never saw would only measure
/// the fallback to biases).
pub fn holdout_split(ratings: &Ratings, fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let (_, test) = eval::train_test_split(ratings.len(), fraction, seed);
    let entries = ratings.entries();
    // Flags rather than hash sets: tens of millions of ratings are looked up here.
    let mut held = vec![false; entries.len()];
    for &row in &test {
        held[row] = true;
    }
    let mut keeps_one = vec![false; ratings.n_users()];
    for (e, _) in entries.iter().zip(&held).filter(|(_, held)| !**held) {
        keeps_one[e.user.index()] = true;
    }
    // `test` is sorted, so `holdout` is too, as `complement` needs. A user with no rating
    // left in training keeps the first of theirs drawn.
    let holdout: Vec<usize> = test
        .into_iter()
        .filter(|&row| std::mem::replace(&mut keeps_one[entries[row].user.index()], true))
        .collect();
    (eval::complement(ratings.len(), &holdout), holdout)
}

/// The database's ratings as the engine sees them, cut into what a model trains on and what
/// it is measured on.
pub struct TrainingSets {
    /// Every rating, with every user and movie (users by account, items by movie).
    pub all: Dataset,
    /// The ratings trained on; same ids as `all`.
    pub train: Dataset,
    /// The held-out ratings; `None` when there are too few to hold any out.
    pub holdout: Option<Ratings>,
}

/// Every rating in the database as the engine's data set: users by account, items by
/// movie. Streamed into the engine's compact form (12 bytes a rating), never held as rows.
pub async fn read_ratings(pool: &Db) -> sqlx::Result<Dataset> {
    let mut builder = DatasetBuilder::new();
    crate::store::ratings::for_training(pool, |r| {
        builder.push(r.user_id, r.movie_id, r.rating.value() as f32);
    })
    .await?;
    Ok(builder.build(crate::serving::STAR_SCALE))
}

/// Splits off the held-out sample ([`HOLDOUT_FRACTION`], [`HOLDOUT_SEED`]): the same split
/// for every model trained on the same ratings, ours or one trained elsewhere on an export.
pub fn training_sets(all: Dataset) -> TrainingSets {
    let (train_rows, holdout_rows) = holdout_split(all.ratings(), HOLDOUT_FRACTION, HOLDOUT_SEED);
    let train = all.subset(&train_rows);
    let holdout = (!holdout_rows.is_empty()).then(|| all.subset(&holdout_rows).into_ratings());
    TrainingSets {
        all,
        train,
        holdout,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use movierec_engine::{Dataset, Scale, UserIdx};

    use super::*;

    fn ratings(per_user: &[usize]) -> Ratings {
        let records = per_user.iter().enumerate().flat_map(|(u, &n)| {
            (0..n).map(move |i| (u.to_string(), i.to_string(), 3.0 + (i % 3) as f32 * 0.5))
        });
        Dataset::from_records(records, Scale::MOVIELENS).into_ratings()
    }

    #[test]
    fn holdout_is_seeded_disjoint_and_keeps_a_rating_per_user() {
        let r = ratings(&[1, 2, 40, 200, 3, 1]);
        let (train, holdout) = holdout_split(&r, 0.3, 1);
        assert_eq!(train.len() + holdout.len(), r.len());
        let held: HashSet<_> = holdout.iter().collect();
        assert!(train.iter().all(|row| !held.contains(row)));
        // A large share is held out, but no user loses all their ratings.
        assert!(holdout.len() > r.len() / 5, "{}", holdout.len());
        for user in (0..r.n_users() as u32).map(UserIdx::new) {
            assert!(
                train.iter().any(|&row| r.entries()[row].user == user),
                "user {user} has no training rating"
            );
        }
        assert_eq!(holdout_split(&r, 0.3, 1), (train, holdout));
        assert_ne!(holdout_split(&r, 0.3, 2).1, holdout_split(&r, 0.3, 1).1);
    }

    #[test]
    fn a_single_rating_is_never_held_out() {
        let r = ratings(&[1]);
        let (train, holdout) = holdout_split(&r, 1.0, 3);
        assert_eq!((train, holdout), (vec![0], vec![]));
    }
}
