//! The blend of the two models: its weight is chosen on a held-out tenth of the training
//! ratings, never on data the caller evaluates on.

use rayon::prelude::*;

use super::error::FitError;
use super::progress::Progress;
use super::{fit_explicit, ials};
use crate::data::Dataset;
use crate::eval;
use crate::ids::{ItemIdx, UserIdx};
use crate::model::best_first;
use crate::params::{ImplicitParams, Params};

/// Weights of the predicted rating tried, on the implicit score's scale (about 0 to 1).
pub(crate) const BLEND_GRID: [f32; 12] = [
    0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0,
];
/// The weight used when the held-out sample has no user to measure on (a tiny data set).
pub(crate) const FALLBACK_BLEND: f32 = 0.05;
/// Share of the training ratings held out to tune the weight.
const TUNE_FRACTION: f64 = 0.1;
/// List length the weight is tuned for.
const TUNE_N: usize = 10;

/// Forwards only [`Progress::should_stop`]: fits whose epochs a caller does not follow.
pub(crate) struct StopOnly<'a>(pub &'a dyn Progress);

impl Progress for StopOnly<'_> {
    fn should_stop(&self) -> bool {
        self.0.should_stop()
    }
}

/// A held-out rating counts as a hit at or above this place on the scale: 4 stars and up on
/// MovieLens' 0.5–5.
pub(crate) fn relevant_at(data: &Dataset) -> f32 {
    let scale = data.ratings().scale();
    scale.min + 0.75 * (scale.max - scale.min)
}

/// Fits both models on 90 % of `data` and returns the weight of [`BLEND_GRID`] whose blended
/// ranking has the best NDCG@10 on the other 10 % (ties to the smaller weight).
pub(crate) fn tune_blend(
    data: &Dataset,
    params: &Params,
    implicit: &ImplicitParams,
    progress: &dyn Progress,
) -> Result<f32, FitError> {
    let n = data.ratings().len();
    let (train_rows, test_rows) = eval::train_test_split(n, TUNE_FRACTION, params.seed ^ 0xB1E4D);
    if test_rows.is_empty() || train_rows.is_empty() {
        return Ok(FALLBACK_BLEND);
    }
    let train = data.subset(&train_rows);
    let test = data.subset(&test_rows);
    let stop = StopOnly(progress);
    let explicit = fit_explicit(&train, params, None, &stop)?;
    let imp = ials::fit_ratings(train.ratings(), implicit, &stop)?;
    let (tr, te) = (train.ratings(), test.ratings());
    let relevant = relevant_at(data);
    let n_items = tr.n_items();
    let discount: Vec<f64> = (0..TUNE_N).map(|r| 1.0 / ((r + 2) as f64).log2()).collect();
    let per_user: Vec<Vec<f64>> = (0..tr.n_users().min(te.n_users()) as u32)
        .into_par_iter()
        .filter_map(|u| {
            let user = UserIdx::new(u);
            let seen = tr.user_ratings(user).0;
            let x = imp.user_factors(user)?;
            if seen.is_empty() {
                return None;
            }
            let (items, values) = te.user_ratings(user);
            let mut rel: Vec<ItemIdx> = items
                .iter()
                .zip(values)
                .filter(|&(_, &r)| r >= relevant)
                .map(|(&i, _)| i)
                .collect();
            if rel.is_empty() {
                return None;
            }
            rel.sort_unstable();
            let mut skip = vec![false; n_items];
            for &i in seen {
                skip[i.index()] = true;
            }
            let uv = explicit.user_vector(user);
            let candidates: Vec<(ItemIdx, f32, f32)> = (0..n_items as u32)
                .map(ItemIdx::new)
                .filter(|&i| !skip[i.index()] && tr.item_count(i) > 0)
                .map(|i| {
                    let e = explicit.predict_raw(&uv, i) - explicit.global_mean();
                    (i, imp.score(x, i), e)
                })
                .collect();
            let idcg: f64 = discount[..rel.len().min(TUNE_N)].iter().sum();
            Some(
                BLEND_GRID
                    .iter()
                    .map(|&b| {
                        let mut scored: Vec<(f32, ItemIdx)> =
                            candidates.iter().map(|&(i, s, e)| (s + b * e, i)).collect();
                        best_first(&mut scored, TUNE_N);
                        let dcg: f64 = scored
                            .iter()
                            .zip(&discount)
                            .filter(|((_, i), _)| rel.binary_search(i).is_ok())
                            .map(|(_, d)| d)
                            .sum();
                        dcg / idcg
                    })
                    .collect(),
            )
        })
        .collect();
    if per_user.is_empty() {
        return Ok(FALLBACK_BLEND);
    }
    let mut best = (f64::NEG_INFINITY, FALLBACK_BLEND);
    for (g, &b) in BLEND_GRID.iter().enumerate() {
        let ndcg = per_user.iter().map(|v| v[g]).sum::<f64>() / per_user.len() as f64;
        if ndcg > best.0 + 1e-9 {
            best = (ndcg, b);
        }
    }
    Ok(best.1)
}
