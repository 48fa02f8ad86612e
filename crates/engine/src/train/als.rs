//! Biased alternating least squares: each user's (then each item's) bias and factors are one
//! regularised least-squares solve with the other side fixed, in parallel over rows.

use rayon::prelude::*;

use super::error::FitError;
use super::progress::Progress;
use super::state::{Reporter, Rows, init_rows};
use crate::data::Ratings;
use crate::ids::{ItemIdx, UserIdx};
use crate::linalg::{Regularisation, solve_row};
use crate::params::Params;

pub(crate) fn fit(
    ratings: &Ratings,
    params: &Params,
    seed: u64,
    validation: Option<&Ratings>,
    progress: &dyn Progress,
) -> Result<(Rows, Regularisation), FitError> {
    let reporter = Reporter::new(ratings, params, validation, progress);
    let k = params.factors;
    let d = k + 1;
    let mut rows = init_rows(ratings, params, seed, k);
    // Weighted-λ regularisation: penalties grow with a row's rating count, which is also what
    // fold-in uses, so a folded-in user is solved exactly like a trained one.
    let reg = Regularisation {
        factors: params.reg,
        bias: params.reg_bias,
        per_rating: true,
    };
    let mean = rows.mean;
    for epoch in 0..params.epochs {
        let items = &rows.items;
        rows.users
            .par_chunks_exact_mut(d)
            .enumerate()
            .for_each(|(u, out)| {
                let (idx, values) = ratings.user_ratings(UserIdx::new(u as u32));
                if idx.is_empty() {
                    return;
                }
                let obs = idx.iter().zip(values).map(|(&i, &r)| {
                    let row = &items[i.index() * d..(i.index() + 1) * d];
                    (&row[1..], r - mean - row[0])
                });
                solve_row(k, obs, &reg, out);
            });
        let users = &rows.users;
        rows.items
            .par_chunks_exact_mut(d)
            .enumerate()
            .for_each(|(i, out)| {
                let (idx, values) = ratings.item_ratings(ItemIdx::new(i as u32));
                if idx.is_empty() {
                    return;
                }
                let obs = idx.iter().zip(values).map(|(&u, &r)| {
                    let row = &users[u.index() * d..(u.index() + 1) * d];
                    (&row[1..], r - mean - row[0])
                });
                solve_row(k, obs, &reg, out);
            });
        let train_rmse = rows.rmse(ratings, ratings.scale());
        if reporter.epoch(&rows, epoch, train_rmse)? {
            break;
        }
    }
    Ok((rows, reg))
}
