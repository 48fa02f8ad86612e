//! A trained model: prediction, fold-in of new ratings, top-N and item similarity.

use crate::data::Scale;
use crate::ids::{IdMap, ItemIdx, UserIdx};
use crate::implicit::{ImplicitModel, ImplicitUser};
use crate::linalg::{Regularisation, dot, solve_row};
use crate::params::Algorithm;

/// A user's learned (or folded-in) bias and factors.
#[derive(Debug, Clone, PartialEq)]
pub struct UserVector {
    /// The user's rating bias.
    pub bias: f32,
    /// The user's latent factors, one per model factor.
    pub factors: Vec<f32>,
}

/// A biased matrix-factorisation model (the baseline model is the same with zero factors).
///
/// Rating prediction: `global_mean + user_bias + item_bias + user_factors · item_factors`, clipped
/// to the scale. Made by [`fit`](crate::fit) or read by [`Model::load`].
///
/// ```
/// use movierec_engine::{Dataset, NoProgress, Params, Scale, fit};
///
/// let data = Dataset::from_records(
///     [("ann", "alien", 5.0), ("ann", "heat", 2.0), ("bob", "alien", 4.5), ("bob", "up", 1.0)],
///     Scale::MOVIELENS,
/// );
/// let model = fit(&data, &Params::default().with_epochs(5), None, &NoProgress)?;
/// let ann = model.users().get("ann").unwrap();
/// let up = model.items().get("up").unwrap();
/// assert!(Scale::MOVIELENS.contains(model.predict(ann, up)));
/// # Ok::<(), movierec_engine::FitError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub(crate) algorithm: Algorithm,
    pub(crate) global_mean: f32,
    pub(crate) user_bias: Vec<f32>,
    pub(crate) item_bias: Vec<f32>,
    /// Row-major, `k` per user.
    pub(crate) user_factors: Vec<f32>,
    /// Row-major, `k` per item.
    pub(crate) item_factors: Vec<f32>,
    pub(crate) k: usize,
    pub(crate) scale: Scale,
    pub(crate) users: IdMap<UserIdx>,
    pub(crate) items: IdMap<ItemIdx>,
    /// Training ratings per item: the item's support, used in ranking.
    pub(crate) item_counts: Vec<u32>,
    pub(crate) fold_in_reg: Regularisation,
    /// Weight of `ln(1 + ratings of the item)` in the ranking score; see [`Model::rank_score`].
    pub(crate) popularity_weight: f32,
    /// The implicit-feedback model trained on the same data, indexed alike.
    pub(crate) implicit: Option<ImplicitModel>,
    /// Weight of the predicted rating in the blended score; see [`Model::blended_score`].
    pub(crate) blend: f32,
}

/// A user folded into both parts of a [`Model`]: the rating model and, when the model has one,
/// the implicit-feedback model.
#[derive(Debug, Clone)]
pub struct HybridUser {
    /// The rating model's user vector.
    pub explicit: UserVector,
    /// The implicit-feedback model's user; `None` when the model has no implicit part.
    pub implicit: Option<ImplicitUser>,
}

/// One recommendation of [`Model::recommend`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    /// The item.
    pub item: ItemIdx,
    /// The score it was ranked by.
    pub score: f32,
    /// The rating model's predicted rating, clipped to the scale.
    pub predicted: f32,
}

impl Model {
    /// The algorithm that trained the model.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Number of users the model was trained with.
    pub fn n_users(&self) -> usize {
        self.user_bias.len()
    }

    /// Number of items the model was trained with.
    pub fn n_items(&self) -> usize {
        self.item_bias.len()
    }

    /// Latent factors per user and item (0 for the baseline).
    pub fn n_factors(&self) -> usize {
        self.k
    }

    /// The rating scale predictions are clipped to.
    pub fn scale(&self) -> Scale {
        self.scale
    }

    /// The mean training rating.
    pub fn global_mean(&self) -> f32 {
        self.global_mean
    }

    /// The users' external ids.
    pub fn users(&self) -> &IdMap<UserIdx> {
        &self.users
    }

    /// The items' external ids.
    pub fn items(&self) -> &IdMap<ItemIdx> {
        &self.items
    }

    /// An item's learned bias; `None` for an item the model does not know.
    pub fn item_bias(&self, item: ItemIdx) -> Option<f32> {
        self.item_bias.get(item.index()).copied()
    }

    /// An item's learned factors; `None` for an item the model does not know.
    pub fn item_factors(&self, item: ItemIdx) -> Option<&[f32]> {
        (item.index() < self.n_items()).then(|| self.item_row(item))
    }

    /// Training ratings of an item (0 for an item the model does not know).
    pub fn item_count(&self, item: ItemIdx) -> u32 {
        self.item_counts.get(item.index()).copied().unwrap_or(0)
    }

    /// The ranking weight of item support; see [`Model::rank_score`].
    pub fn popularity_weight(&self) -> f32 {
        self.popularity_weight
    }

    /// Changes the ranking weight of item support, e.g. to rank by predicted rating alone (0).
    /// Predictions do not depend on it, so no retraining is needed.
    pub fn set_popularity_weight(&mut self, weight: f32) {
        self.popularity_weight = weight;
    }

    /// The implicit-feedback part, when the model was trained with one.
    pub fn implicit(&self) -> Option<&ImplicitModel> {
        self.implicit.as_ref()
    }

    /// The blend's weight of the predicted rating; see [`Model::blended_score`].
    pub fn blend(&self) -> f32 {
        self.blend
    }

    /// Changes the blend's weight of the predicted rating. Predictions do not depend on it.
    pub fn set_blend(&mut self, blend: f32) {
        self.blend = blend;
    }

    /// Drops the implicit-feedback part: the model then ranks by [`Model::rank_score`] alone.
    pub fn without_implicit(mut self) -> Model {
        self.implicit = None;
        self
    }

    fn item_row(&self, item: ItemIdx) -> &[f32] {
        let i = item.index();
        &self.item_factors[i * self.k..(i + 1) * self.k]
    }

    /// Predicted rating, clipped to the scale. Unknown users or items fall back to biases and the
    /// global mean.
    pub fn predict(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let u = user.index();
        if u < self.n_users() {
            let uv = &self.user_factors[u * self.k..(u + 1) * self.k];
            self.scale.clip(self.raw(self.user_bias[u], uv, item))
        } else {
            self.scale.clip(self.raw(0.0, &[], item))
        }
    }

    /// Prediction for a user vector, clipped to the scale.
    pub fn predict_with(&self, uv: &UserVector, item: ItemIdx) -> f32 {
        self.scale.clip(self.raw(uv.bias, &uv.factors, item))
    }

    /// The unclipped predicted rating of a user vector.
    pub(crate) fn predict_raw(&self, uv: &UserVector, item: ItemIdx) -> f32 {
        self.raw(uv.bias, &uv.factors, item)
    }

    fn raw(&self, user_bias: f32, user_factors: &[f32], item: ItemIdx) -> f32 {
        let mut p = self.global_mean + user_bias;
        if item.index() < self.n_items() {
            p += self.item_bias[item.index()];
            if !user_factors.is_empty() {
                p += dot(user_factors, self.item_row(item));
            }
        }
        p
    }

    /// The learned vector of a training user; an unknown index gives the zero vector.
    pub fn user_vector(&self, user: UserIdx) -> UserVector {
        let u = user.index();
        if u < self.n_users() {
            UserVector {
                bias: self.user_bias[u],
                factors: self.user_factors[u * self.k..(u + 1) * self.k].to_vec(),
            }
        } else {
            UserVector {
                bias: 0.0,
                factors: vec![0.0; self.k],
            }
        }
    }

    /// Computes a user's bias and factors from their `(item, rating)` pairs with the item side
    /// fixed: one regularised least-squares solve of size `k + 1`, the same a training user gets.
    /// Items the model does not know are ignored.
    ///
    /// ```
    /// use movierec_engine::{Dataset, NoProgress, Params, Scale, fit};
    ///
    /// let data = Dataset::from_records(
    ///     [("ann", "alien", 5.0), ("ann", "heat", 2.0), ("bob", "alien", 4.5), ("bob", "up", 1.0)],
    ///     Scale::MOVIELENS,
    /// );
    /// let model = fit(&data, &Params::default().with_epochs(5), None, &NoProgress)?;
    /// // A new user who loved Alien, without retraining.
    /// let alien = model.items().get("alien").unwrap();
    /// let newcomer = model.fold_in(&[(alien, 5.0)]);
    /// assert!(newcomer.bias > 0.0);
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn fold_in(&self, ratings: &[(ItemIdx, f32)]) -> UserVector {
        let known = ratings.iter().filter(|(i, _)| i.index() < self.n_items());
        let mut out = vec![0f32; self.k + 1];
        solve_row(
            self.k,
            known.map(|&(i, r)| {
                (
                    self.item_row(i),
                    r - self.global_mean - self.item_bias[i.index()],
                )
            }),
            &self.fold_in_reg,
            &mut out,
        );
        UserVector {
            bias: out[0],
            factors: out[1..].to_vec(),
        }
    }

    /// Folds a user into both parts: [`Model::fold_in`] for the rating model with `rated`, and
    /// [`ImplicitModel::fold_in`] with `rated` and the items the user marked as `seen` without
    /// rating them.
    pub fn fold_in_user(&self, rated: &[(ItemIdx, f32)], seen: &[ItemIdx]) -> HybridUser {
        HybridUser {
            explicit: self.fold_in(rated),
            implicit: self.implicit.as_ref().map(|m| m.fold_in(rated, seen)),
        }
    }

    /// A training user's vectors in both parts (the learned ones, not a fold-in).
    pub fn training_user(&self, user: UserIdx) -> HybridUser {
        HybridUser {
            explicit: self.user_vector(user),
            implicit: self.implicit.as_ref().map(|m| {
                let x = m
                    .user_factors(user)
                    .map_or(vec![0.0; m.n_factors()], <[f32]>::to_vec);
                ImplicitUser::from_factors(x)
            }),
        }
    }

    /// The score [`Model::recommend`] ranks by. With an implicit part: how likely the user is
    /// to choose the item plus `blend ·` how much above the mean they would rate it,
    /// `x_u · y_i + blend · (predicted − global mean)`, so a pick is a film the user would
    /// watch *and* like. Without one, [`Model::rank_score`].
    pub fn blended_score(&self, user: &HybridUser, item: ItemIdx) -> f32 {
        self.blended(
            &user.explicit,
            user.implicit.as_ref().map(ImplicitUser::factors),
            item,
        )
    }

    pub(crate) fn blended(&self, uv: &UserVector, implicit: Option<&[f32]>, item: ItemIdx) -> f32 {
        match (&self.implicit, implicit) {
            (Some(m), Some(x)) => {
                m.score(x, item)
                    + self.blend * (self.raw(uv.bias, &uv.factors, item) - self.global_mean)
            }
            _ => self.rank_score(uv, item),
        }
    }

    /// The `n` best items for a user by [`Model::blended_score`], skipping items for which
    /// `exclude` is true, best first.
    ///
    /// ```
    /// use movierec_engine::{Dataset, NoProgress, Params, Scale, fit};
    ///
    /// let records = (0..40).flat_map(|u: u32| {
    ///     (0..10u32).filter(move |i| (u + i) % 3 != 0)
    ///         .map(move |i| (u.to_string(), i.to_string(), if (i < 5) == (u % 2 == 0) { 5.0 } else { 2.0 }))
    /// });
    /// let data = Dataset::from_records(records, Scale::MOVIELENS);
    /// let model = fit(&data, &Params::hybrid().with_factors(4), None, &NoProgress)?;
    /// let item = |name: &str| data.items().get(name).unwrap();
    /// let user = model.fold_in_user(&[(item("0"), 5.0), (item("1"), 4.5), (item("7"), 1.0)], &[]);
    /// let picks = model.recommend(&user, 3, |i| [item("0"), item("1"), item("7")].contains(&i));
    /// assert_eq!(picks.len(), 3);
    /// assert!(picks[0].score >= picks[2].score);
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn recommend(
        &self,
        user: &HybridUser,
        n: usize,
        exclude: impl Fn(ItemIdx) -> bool,
    ) -> Vec<Pick> {
        let implicit = user.implicit.as_ref().map(ImplicitUser::factors);
        self.recommend_with(&user.explicit, implicit, n, exclude)
    }

    pub(crate) fn recommend_with(
        &self,
        uv: &UserVector,
        implicit: Option<&[f32]>,
        n: usize,
        exclude: impl Fn(ItemIdx) -> bool,
    ) -> Vec<Pick> {
        if n == 0 {
            return Vec::new();
        }
        let mut scored: Vec<(f32, ItemIdx)> = (0..self.n_items() as u32)
            .map(ItemIdx::new)
            .filter(|&i| !exclude(i))
            .map(|i| (self.blended(uv, implicit, i), i))
            .collect();
        best_first(&mut scored, n);
        scored
            .into_iter()
            .map(|(score, item)| Pick {
                item,
                score,
                predicted: self.predict_with(uv, item),
            })
            .collect()
    }

    /// The score [`Model::top_n`] ranks by: the unclipped predicted rating plus
    /// `popularity_weight · ln(1 + item ratings)`.
    ///
    /// Rating prediction alone puts films with a handful of enthusiastic ratings above well-loved
    /// classics: their estimate is noisy, and few people have seen them. The support term is a prior
    /// that a film many people chose to watch is one this user will also want; the weight is tuned
    /// on held-out ratings (NDCG@10) and stored with the model.
    pub fn rank_score(&self, uv: &UserVector, item: ItemIdx) -> f32 {
        let support = self.item_count(item);
        self.raw(uv.bias, &uv.factors, item) + self.popularity_weight * (support as f32).ln_1p()
    }

    /// The `n` best items for a user vector by [`Model::rank_score`], skipping items for which
    /// `exclude` is true, best first, each with its predicted rating (clipped).
    ///
    /// ```
    /// use movierec_engine::{Dataset, NoProgress, Params, Scale, fit};
    ///
    /// let data = Dataset::from_records(
    ///     [("ann", "alien", 5.0), ("ann", "heat", 2.0), ("bob", "alien", 4.5), ("bob", "up", 1.0)],
    ///     Scale::MOVIELENS,
    /// );
    /// let model = fit(&data, &Params::default().with_epochs(5), None, &NoProgress)?;
    /// let ann = model.users().get("ann").unwrap();
    /// let rated = |item| data.ratings().user_ratings(ann).0.contains(&item);
    /// let top = model.top_n(&model.user_vector(ann), 10, rated);
    /// let names: Vec<&str> = top.iter().map(|&(item, _)| model.items().ext(item)).collect();
    /// assert_eq!(names, ["up"]);
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn top_n(
        &self,
        uv: &UserVector,
        n: usize,
        exclude: impl Fn(ItemIdx) -> bool,
    ) -> Vec<(ItemIdx, f32)> {
        if n == 0 {
            return Vec::new();
        }
        let base = self.global_mean + uv.bias;
        let k = self.k;
        let mut scored: Vec<(f32, ItemIdx)> = Vec::with_capacity(self.n_items());
        // Same arithmetic as `rank_score`, in one pass over contiguous rows.
        for (i, (&b, &count)) in self.item_bias.iter().zip(&self.item_counts).enumerate() {
            let item = ItemIdx::new(i as u32);
            if exclude(item) {
                continue;
            }
            let q = &self.item_factors[i * k..(i + 1) * k];
            let score =
                base + b + dot(&uv.factors, q) + self.popularity_weight * (count as f32).ln_1p();
            scored.push((score, item));
        }
        best_first(&mut scored, n);
        scored
            .into_iter()
            .map(|(_, i)| (i, self.predict_with(uv, i)))
            .collect()
    }

    /// Cosine similarity of two items' factor vectors; 0 when either is unknown or all zero.
    pub fn item_similarity(&self, a: ItemIdx, b: ItemIdx) -> f32 {
        if a.index() >= self.n_items() || b.index() >= self.n_items() || self.k == 0 {
            return 0.0;
        }
        let (qa, qb) = (self.item_row(a), self.item_row(b));
        let denom = dot(qa, qa).sqrt() * dot(qb, qb).sqrt();
        if denom > 0.0 {
            dot(qa, qb) / denom
        } else {
            0.0
        }
    }

    /// The `n` items most similar to `item` (cosine in factor space), best first.
    pub fn similar_items(&self, item: ItemIdx, n: usize) -> Vec<(ItemIdx, f32)> {
        if item.index() >= self.n_items() || n == 0 {
            return Vec::new();
        }
        let q = self.item_row(item);
        let qn = dot(q, q).sqrt();
        if qn == 0.0 {
            return Vec::new();
        }
        let mut scored: Vec<(f32, ItemIdx)> = (0..self.n_items() as u32)
            .map(ItemIdx::new)
            .filter(|&i| i != item)
            .filter_map(|i| {
                let r = self.item_row(i);
                let rn = dot(r, r).sqrt();
                (rn > 0.0).then(|| (dot(q, r) / (qn * rn), i))
            })
            .collect();
        best_first(&mut scored, n);
        scored.into_iter().map(|(s, i)| (i, s)).collect()
    }

    /// Whether every bias and factor is a finite number.
    pub(crate) fn is_finite(&self) -> bool {
        self.blend.is_finite()
            && self.implicit.as_ref().is_none_or(ImplicitModel::is_finite)
            && self.global_mean.is_finite()
            && [
                &self.user_bias,
                &self.item_bias,
                &self.user_factors,
                &self.item_factors,
            ]
            .iter()
            .all(|v| v.iter().all(|x| x.is_finite()))
    }
}

/// Keeps the `n` highest scores, sorted best first (ties by index).
pub(crate) fn best_first(scored: &mut Vec<(f32, ItemIdx)>, n: usize) {
    let by_score = |a: &(f32, ItemIdx), b: &(f32, ItemIdx)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if scored.len() > n {
        scored.select_nth_unstable_by(n - 1, by_score);
        scored.truncate(n);
    }
    scored.sort_unstable_by(by_score);
}
