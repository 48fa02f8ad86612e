//! The blend of the two models: its weight is chosen on a held-out tenth of the training
//! ratings, never on data the caller evaluates on.

use std::time::Duration;

use rayon::prelude::*;

use super::error::FitError;
use super::progress::Progress;
use super::{DEFAULT_TASTE, RunOptions, TUNE_N, fit_explicit, search};
use crate::data::Dataset;
use crate::eval;
use crate::ids::{ExternalId, ItemIdx, UserIdx};
use crate::model::Model;
use crate::neighbours::Neighbours;
use crate::params::{ImplicitParams, Params};
use crate::rng::Rng;

/// Weights of the predicted rating tried, on the implicit score's scale (about 0 to 1).
pub(crate) const BLEND_GRID: [f32; 12] = [
    0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0,
];
/// The weight used when the held-out sample has no user to measure on (a tiny data set).
pub(crate) const FALLBACK_BLEND: f32 = 0.05;
/// Held-out users the blend is measured on, a seeded sample: each costs a ranking of every
/// item at every weight of the grid. MovieLens 100k has fewer and uses them all; ML-1M and
/// the sample of a larger set are measured on this many, as the search is.
const BLEND_USERS: usize = 1000;
/// Share of the training ratings held out to tune the weight.
const TUNE_FRACTION: f64 = 0.1;

/// Forwards only [`Progress::should_stop`]: fits whose epochs a caller does not follow.
pub(crate) struct StopOnly<'a>(pub &'a dyn Progress);

impl Progress for StopOnly<'_> {
    fn should_stop(&self) -> bool {
        self.0.should_stop()
    }
}

/// A held-out rating counts as a hit at or above this place on the scale: 4 stars and up on
/// MovieLens' 0.5–5.
pub(crate) fn relevant_at<U: ExternalId, T: ExternalId>(data: &Dataset<U, T>) -> f32 {
    let scale = data.ratings().scale();
    scale.min + 0.75 * (scale.max - scale.min)
}

/// What [`tune`] chose.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tuned {
    pub(crate) blend: f32,
    pub(crate) taste: f32,
    pub(crate) implicit: ImplicitParams,
}

/// Fits both models on 90 % of `data` and chooses, on the other 10 %, what `params` leaves
/// open: the implicit model's factors, regularisation and unobserved weight within
/// `budget` (see [`search`](super::search::search)), the weight of
/// [`BLEND_GRID`] whose blended ranking has the best NDCG@10 (ties to the smaller weight),
/// then the weight of [`TASTE_GRID`] whose ranking of short histories does (see
/// [`tune_taste`]).
pub(crate) fn tune<U: ExternalId, T: ExternalId>(
    data: &Dataset<U, T>,
    params: &Params,
    implicit: &ImplicitParams,
    run: &RunOptions,
    budget: Duration,
    progress: &dyn Progress,
) -> Result<Tuned, FitError> {
    let fallback = Tuned {
        blend: params.blend.unwrap_or(FALLBACK_BLEND),
        taste: params.taste.unwrap_or(DEFAULT_TASTE),
        implicit: implicit.clone(),
    };
    let n = data.ratings().len();
    let (train_rows, test_rows) = eval::train_test_split(n, TUNE_FRACTION, run.seed ^ 0xB1E4D);
    if test_rows.is_empty() || train_rows.is_empty() {
        return Ok(fallback);
    }
    let train = data.subset(&train_rows);
    let test = data.subset(&test_rows);
    let stop = StopOnly(progress);
    let mut explicit = fit_explicit(&train, params, run, None, &stop)?;
    let relevant = relevant_at(data);
    let searched = search::search(&train, &test, implicit, budget, relevant, run.seed, &stop)?;
    let imp = searched.model;
    let blend = match params.blend {
        Some(blend) => blend,
        None => best_blend(&train, &test, &explicit, &imp, relevant_at(data), run.seed),
    };
    let taste = match params.taste {
        Some(taste) => taste,
        None => {
            explicit.implicit = Some(imp);
            explicit.blend = blend;
            explicit.neighbours = Neighbours::compute(train.ratings(), run.seed);
            tune_taste(&explicit, &train, &test, relevant_at(data), run.seed)
        }
    };
    Ok(Tuned {
        blend,
        taste,
        implicit: searched.params,
    })
}

/// The weight of [`BLEND_GRID`] whose blended ranking of `test`'s users (their training
/// vectors; up to [`BLEND_USERS`] of them) has the best NDCG@10, or [`FALLBACK_BLEND`] when
/// no user can be measured.
fn best_blend<U: ExternalId, T: ExternalId>(
    train: &Dataset<U, T>,
    test: &Dataset<U, T>,
    explicit: &Model<U, T>,
    imp: &crate::implicit::ImplicitModel,
    relevant: f32,
    seed: u64,
) -> f32 {
    let (tr, te) = (train.ratings(), test.ratings());
    let n_items = tr.n_items();
    let mut users: Vec<(UserIdx, Vec<ItemIdx>)> = (0..tr.n_users().min(te.n_users()) as u32)
        .map(UserIdx::new)
        .filter(|&u| tr.user_count(u) > 0 && imp.user_factors(u).is_some())
        .filter_map(|u| {
            let rel = eval::relevant_items(te, u, relevant);
            (!rel.is_empty()).then_some((u, rel))
        })
        .collect();
    Rng::derive(seed, 0xB1E4D, 0).shuffle(&mut users);
    users.truncate(BLEND_USERS);
    let per_user: Vec<Vec<f64>> = users
        .par_iter()
        .filter_map(|(user, rel)| {
            let (user, rel) = (*user, rel.as_slice());
            let seen = tr.user_ratings(user).0;
            let x = imp.user_factors(user)?;
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
            Some(
                BLEND_GRID
                    .iter()
                    .map(|&b| {
                        let scored = candidates.iter().map(|&(i, s, e)| (s + b * e, i));
                        eval::ranked_ndcg(scored.collect(), rel, TUNE_N)
                    })
                    .collect(),
            )
        })
        .collect();
    if per_user.is_empty() {
        return FALLBACK_BLEND;
    }
    best_on_grid(&per_user, &BLEND_GRID)
}

/// Weights of a short history's neighbour score tried, in units of the implicit score.
pub(crate) const TASTE_GRID: [f32; 7] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0];
/// Films a simulated newcomer keeps of a held-out user's history: about what a new user
/// rates before the picks replace the films to rate.
const SHORT_HISTORY: usize = 15;
/// Users the weight is measured on: each costs one fold-in and one pass over the items.
const TASTE_USERS: usize = 400;
/// Fewer measurable users than this say nothing about newcomers (a fresh site's two critics
/// who rated everything): the default weight stands.
const MIN_TASTE_USERS: usize = 30;

/// The weight of [`TASTE_GRID`] with the best NDCG@10 for newcomers: held-out users folded
/// in from [`SHORT_HISTORY`] of their training ratings (a seeded sample), ranked among the
/// films they have not rated, hits their held-out liked films. `model` holds both parts,
/// the blend and the neighbours of the training part. Ties go to the smaller weight.
fn tune_taste<U: ExternalId, T: ExternalId>(
    model: &Model<U, T>,
    train: &Dataset<U, T>,
    test: &Dataset<U, T>,
    relevant: f32,
    seed: u64,
) -> f32 {
    let (tr, te) = (train.ratings(), test.ratings());
    let has_liked = |u: UserIdx| te.user_ratings(u).1.iter().any(|&r| r >= relevant);
    let mut users: Vec<UserIdx> = (0..tr.n_users().min(te.n_users()) as u32)
        .map(UserIdx::new)
        .filter(|&u| tr.user_count(u) > SHORT_HISTORY && has_liked(u))
        .collect();
    Rng::derive(seed, 0x7A57E, 0).shuffle(&mut users);
    users.truncate(TASTE_USERS);
    let n_items = tr.n_items();
    let per_user: Vec<Vec<f64>> = users
        .par_iter()
        .map(|&u| {
            let (items, values) = tr.user_ratings(u);
            let mut order: Vec<usize> = (0..items.len()).collect();
            Rng::derive(seed, 0x7A57E, u64::from(u.index() as u32) + 1).shuffle(&mut order);
            let history: Vec<(ItemIdx, f32)> = order[..SHORT_HISTORY]
                .iter()
                .map(|&k| (items[k], values[k]))
                .collect();
            let user = model.fold_in(&history, &[]);
            let taste = model
                .taste_scores_at(&user, 1.0)
                .unwrap_or_else(|| vec![0.0; model.n_items()]);
            let mut skip = vec![false; n_items];
            for &i in items {
                skip[i.index()] = true;
            }
            let candidates: Vec<(ItemIdx, f32, f32)> = (0..n_items as u32)
                .map(ItemIdx::new)
                .filter(|&i| !skip[i.index()] && tr.item_count(i) > 0)
                .map(|i| {
                    let base = model.blended_score(&user, i);
                    (i, base, taste[i.index()])
                })
                .collect();
            let rel = eval::relevant_items(te, u, relevant);
            TASTE_GRID
                .iter()
                .map(|&t| {
                    let scored = candidates.iter().map(|&(i, b, k)| (b + t * k, i));
                    eval::ranked_ndcg(scored.collect(), &rel, TUNE_N)
                })
                .collect()
        })
        .collect();
    if per_user.len() < MIN_TASTE_USERS {
        return DEFAULT_TASTE;
    }
    best_on_grid(&per_user, &TASTE_GRID)
}

/// The value of `grid` whose per-user NDCG (`per_user[u][g]`, non-empty) has the best mean;
/// ties to the earlier value.
fn best_on_grid(per_user: &[Vec<f64>], grid: &[f32]) -> f32 {
    let mut best = (f64::NEG_INFINITY, grid[0]);
    for (g, &value) in grid.iter().enumerate() {
        let mean = per_user.iter().map(|v| v[g]).sum::<f64>() / per_user.len() as f64;
        if mean > best.0 + 1e-9 {
            best = (mean, value);
        }
    }
    best.1
}
