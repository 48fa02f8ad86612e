//! Evaluation: seeded splits, rating accuracy and top-N metrics.
//!
//! Top-N metrics, for each user present in the training set with at least one relevant test item:
//! relevant = test items rated ≥ `relevant` (default 4.0); candidates = items present in the
//! training set that the user did not rate in training; hits = |top-`n` ∩ relevant|;
//! precision = hits / n, recall = hits / |relevant|, NDCG = DCG / IDCG with binary gain,
//! DCG = Σ over hit ranks r (from 1) of 1 / log2(r + 1), IDCG over min(|relevant|, n) ranks.
//! Each metric is averaged over those users.

use rayon::prelude::*;

use crate::data::Ratings;
use crate::ids::{ExternalId, ItemIdx, UserIdx};
use crate::implicit::ImplicitModel;
use crate::model::Model;
use crate::rng::Rng;

/// Test rows of each of `k` folds: a seeded shuffle of `0..n` cut into `k` near-equal parts.
///
/// ```
/// use movierec_engine::eval;
///
/// let folds = eval::kfold(10, 3, 42);
/// assert_eq!(folds.iter().map(Vec::len).sum::<usize>(), 10);
/// let train = eval::complement(10, &folds[0]);
/// assert_eq!(train.len() + folds[0].len(), 10);
/// ```
pub fn kfold(n: usize, k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rows: Vec<usize> = (0..n).collect();
    Rng::new(seed).shuffle(&mut rows);
    (0..k)
        .map(|f| {
            let mut fold = rows[f * n / k..(f + 1) * n / k].to_vec();
            fold.sort_unstable();
            fold
        })
        .collect()
}

/// `(train rows, test rows)` with a seeded `test_fraction` of `0..n` in the test part.
pub fn train_test_split(n: usize, test_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rows: Vec<usize> = (0..n).collect();
    Rng::new(seed).shuffle(&mut rows);
    let n_test = ((n as f64) * test_fraction.clamp(0.0, 1.0)).round() as usize;
    let mut test = rows[..n_test].to_vec();
    let mut train = rows[n_test..].to_vec();
    test.sort_unstable();
    train.sort_unstable();
    (train, test)
}

/// The rows of `0..n` not in `test` (which must be sorted).
pub fn complement(n: usize, test: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(n - test.len().min(n));
    let mut t = test.iter().peekable();
    for r in 0..n {
        if t.peek() == Some(&&r) {
            t.next();
        } else {
            out.push(r);
        }
    }
    out
}

/// `(rmse, mae)` of a model's clipped predictions on `test` (indexed like the model; unknown
/// users or items fall back to biases and the global mean).
///
/// ```
/// use movierec_engine::{Dataset, Params, Scale, eval, fit};
///
/// let data = Dataset::from_records(
///     (0..200).map(|n| (format!("u{}", n % 20), format!("i{}", n % 13), 1.0 + (n % 5) as f32)),
///     Scale { min: 1.0, max: 5.0 },
/// );
/// let (train_rows, test_rows) = eval::train_test_split(data.ratings().len(), 0.2, 42);
/// let (train, test) = (data.subset(&train_rows), data.subset(&test_rows));
/// let model = fit(&train, &Params::default())?;
/// let (rmse, mae) = eval::accuracy(&model, test.ratings());
/// assert!(mae <= rmse && rmse < 4.0);
/// # Ok::<(), movierec_engine::FitError>(())
/// ```
pub fn accuracy<U: ExternalId, T: ExternalId>(model: &Model<U, T>, test: &Ratings) -> (f64, f64) {
    if test.is_empty() {
        return (0.0, 0.0);
    }
    let (se, ae) = test.entries().iter().fold((0f64, 0f64), |(se, ae), r| {
        let e = f64::from(model.predict_trained(r.user, r.item) - r.value);
        (se + e * e, ae + e.abs())
    });
    let n = test.len() as f64;
    ((se / n).sqrt(), ae / n)
}

/// Something that ranks items for a training user.
pub trait Ranker: Sync {
    /// The `n` best items for `user` among those for which `exclude` is false, best first.
    fn rank(
        &self,
        user: UserIdx,
        n: usize,
        exclude: &(dyn Fn(ItemIdx) -> bool + Sync),
    ) -> Vec<ItemIdx>;
}

impl<U: ExternalId, T: ExternalId> Ranker for Model<U, T> {
    fn rank(
        &self,
        user: UserIdx,
        n: usize,
        exclude: &(dyn Fn(ItemIdx) -> bool + Sync),
    ) -> Vec<ItemIdx> {
        let uv = self.user_vector(user);
        match self.implicit().and_then(|m| m.user_factors(user)) {
            Some(x) => self
                .recommend_with(&uv, Some(x), n, exclude)
                .into_iter()
                .map(|p| p.item())
                .collect(),
            None => self
                .top_n(&uv, n, exclude)
                .into_iter()
                .map(|(i, _)| i)
                .collect(),
        }
    }
}

impl Ranker for ImplicitModel {
    fn rank(
        &self,
        user: UserIdx,
        n: usize,
        exclude: &(dyn Fn(ItemIdx) -> bool + Sync),
    ) -> Vec<ItemIdx> {
        match self.user_factors(user) {
            Some(x) => self
                .top_n(x, n, exclude)
                .into_iter()
                .map(|(i, _)| i)
                .collect(),
            None => Vec::new(),
        }
    }
}

/// Most-rated items first (ties by index): the non-personalised baseline.
#[derive(Debug, Clone)]
pub struct Popularity {
    order: Vec<ItemIdx>,
}

impl Popularity {
    /// The ranking of `train`'s items by their number of ratings.
    pub fn new(train: &Ratings) -> Self {
        let mut order: Vec<ItemIdx> = (0..train.n_items() as u32).map(ItemIdx::new).collect();
        order.sort_by_key(|&i| (std::cmp::Reverse(train.item_count(i)), i));
        Self { order }
    }
}

impl Ranker for Popularity {
    fn rank(
        &self,
        _user: UserIdx,
        n: usize,
        exclude: &(dyn Fn(ItemIdx) -> bool + Sync),
    ) -> Vec<ItemIdx> {
        self.order
            .iter()
            .copied()
            .filter(|&i| !exclude(i))
            .take(n)
            .collect()
    }
}

/// Averaged top-N metrics.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TopN {
    /// Mean precision@n.
    pub precision: f64,
    /// Mean recall@n.
    pub recall: f64,
    /// Mean NDCG@n.
    pub ndcg: f64,
    /// Users the averages are over.
    pub users: usize,
}

/// Top-`n` metrics of `ranker` as defined in the module documentation. `train` and `test` share
/// one index space.
pub fn top_n_metrics(
    ranker: &dyn Ranker,
    train: &Ratings,
    test: &Ratings,
    n: usize,
    relevant: f32,
) -> TopN {
    let n_train_items = train.n_items();
    let per_user: Vec<(f64, f64, f64)> = (0..test.n_users().min(train.n_users()) as u32)
        .into_par_iter()
        .filter_map(|u| {
            let u = UserIdx::new(u);
            if train.user_count(u) == 0 {
                return None;
            }
            let rel = relevant_items(test, u, relevant);
            if rel.is_empty() {
                return None;
            }
            let mut seen: Vec<ItemIdx> = train.user_ratings(u).0.to_vec();
            seen.sort_unstable();
            let exclude = |i: ItemIdx| {
                i.index() >= n_train_items
                    || train.item_count(i) == 0
                    || seen.binary_search(&i).is_ok()
            };
            let top = ranker.rank(u, n, &exclude);
            let hits = top.iter().filter(|i| rel.binary_search(i).is_ok()).count();
            Some((
                hits as f64 / n as f64,
                hits as f64 / rel.len() as f64,
                ndcg(&top, &rel, n),
            ))
        })
        .collect();
    let users = per_user.len();
    if users == 0 {
        return TopN::default();
    }
    let mean = |f: fn(&(f64, f64, f64)) -> f64| per_user.iter().map(f).sum::<f64>() / users as f64;
    TopN {
        precision: mean(|m| m.0),
        recall: mean(|m| m.1),
        ndcg: mean(|m| m.2),
        users,
    }
}

/// `user`'s items in `held_out` rated at least `relevant`, sorted: the hits of a top-N list.
pub(crate) fn relevant_items(held_out: &Ratings, user: UserIdx, relevant: f32) -> Vec<ItemIdx> {
    let (items, values) = held_out.user_ratings(user);
    let mut rel: Vec<ItemIdx> = items
        .iter()
        .zip(values)
        .filter(|&(_, &r)| r >= relevant)
        .map(|(&i, _)| i)
        .collect();
    rel.sort_unstable();
    rel
}

/// NDCG@`n` of the best `n` of `scored` against `relevant` (sorted), binary relevance: how
/// the tuning measures a ranking of every candidate.
pub(crate) fn ranked_ndcg(mut scored: Vec<(f32, ItemIdx)>, relevant: &[ItemIdx], n: usize) -> f64 {
    crate::top::best_first(&mut scored, n);
    let top: Vec<ItemIdx> = scored.into_iter().map(|(_, i)| i).collect();
    ndcg(&top, relevant, n)
}

/// NDCG@`n` of the list `top` (best first) against `relevant` (sorted), binary relevance: the
/// one definition the metrics and the training's tuning share.
pub(crate) fn ndcg(top: &[ItemIdx], relevant: &[ItemIdx], n: usize) -> f64 {
    let discount = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = (0..top.len().min(n))
        .filter(|&rank| relevant.binary_search(&top[rank]).is_ok())
        .map(discount)
        .sum();
    let idcg: f64 = (0..relevant.len().min(n)).map(discount).sum();
    dcg / idcg
}
