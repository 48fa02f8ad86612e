//! Global mean + user and item biases, by alternating regularised averages.

use super::error::FitError;
use super::progress::Progress;
use super::state::{Reporter, Rows};
use crate::data::Ratings;
use crate::ids::{ItemIdx, UserIdx};
use crate::linalg::Regularisation;
use crate::params::Params;

pub(crate) fn fit(
    ratings: &Ratings,
    params: &Params,
    validation: Option<&Ratings>,
    progress: &dyn Progress,
) -> Result<(Rows, Regularisation), FitError> {
    let reporter = Reporter::new(ratings, params, validation, progress);
    let mut rows = Rows {
        k: 0,
        mean: ratings.mean(),
        users: vec![0.0; ratings.n_users()],
        items: vec![0.0; ratings.n_items()],
    };
    let reg = f64::from(params.reg_bias);
    let mean = f64::from(rows.mean);
    for epoch in 0..params.epochs {
        for i in 0..ratings.n_items() {
            let (users, values) = ratings.item_ratings(ItemIdx::new(i as u32));
            let sum: f64 = users
                .iter()
                .zip(values)
                .map(|(&u, &r)| f64::from(r) - mean - f64::from(rows.users[u.index()]))
                .sum();
            rows.items[i] = (sum / (reg + users.len() as f64)) as f32;
        }
        for u in 0..ratings.n_users() {
            let (items, values) = ratings.user_ratings(UserIdx::new(u as u32));
            let sum: f64 = items
                .iter()
                .zip(values)
                .map(|(&i, &r)| f64::from(r) - mean - f64::from(rows.items[i.index()]))
                .sum();
            rows.users[u] = (sum / (reg + items.len() as f64)) as f32;
        }
        let train_rmse = rows.rmse(ratings, ratings.scale());
        if reporter.epoch(&rows, epoch, train_rmse)? {
            break;
        }
    }
    let fold_in = Regularisation {
        factors: 0.0,
        bias: params.reg_bias,
        per_rating: false,
    };
    Ok((rows, fold_in))
}
