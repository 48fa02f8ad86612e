//! The implicit-feedback model: who chose to watch (and rate) what, by weighted ALS.
//!
//! A user's preference for an item is `x_u · y_i`, near 1 for items like the ones the user
//! chose and near 0 for the rest. Made by a [`Fit`](crate::Fit); a new user is folded in by
//! one exact solve against the item factors ([`ImplicitModel::fold_in`]), and a folded-in
//! user's score of an item splits exactly over the items the user chose
//! ([`ImplicitUser::contributions`], Hu, Koren & Volinsky 2008, §5), which names the movie
//! behind a recommendation.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::data::Scale;
use crate::ids::{ItemIdx, UserIdx};
use crate::linalg::{SpdSystem, dot, gramian};
use crate::params::ImplicitParams;

/// A trained implicit-feedback model, indexed like the [`Dataset`](crate::Dataset) it was
/// trained on: the part of a hybrid [`Model`](crate::Model) that learns who chose what
/// ([`Model::implicit`](crate::Model::implicit)), or fitted alone by a [`Fit`](crate::Fit) of
/// [`ImplicitParams`] to be measured as a ranker ([`eval::Ranker`](crate::eval::Ranker)).
///
/// ```
/// use movierec_engine::eval::Ranker;
/// use movierec_engine::{Dataset, Fit, ImplicitParams, Scale, UserIdx};
///
/// // Two tastes: users 0–9 watch items a–e, users 10–19 watch items f–j.
/// let records = (0..20).flat_map(|u: usize| {
///     let items = if u < 10 { ["a", "b", "c", "d", "e"] } else { ["f", "g", "h", "i", "j"] };
///     items.into_iter().filter(move |i| !(u + i.len() + i.as_bytes()[0] as usize).is_multiple_of(5))
///         .map(move |i| (u.to_string(), i.to_string(), 4.0))
/// });
/// let data = Dataset::from_records(records, Scale::MOVIELENS);
/// let model = Fit::new(&ImplicitParams::default().with_factors(4)).threads(1).run(&data)?;
/// // User 3, of the first taste, watched a–d: the one film of theirs left comes first.
/// let user = data.users().get("3").unwrap();
/// let seen = data.ratings().user_ratings(user).0;
/// let top = model.rank(user, 1, &|i| seen.contains(&i));
/// assert_eq!(data.items().ext(top[0]), "e");
/// # Ok::<(), movierec_engine::FitError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ImplicitModel {
    pub(crate) params: ImplicitParams,
    /// The seed it was trained with (kept in the model file).
    pub(crate) seed: u64,
    pub(crate) scale: Scale,
    pub(crate) k: usize,
    /// Row-major, `k` per user.
    pub(crate) user_factors: Vec<f32>,
    /// Row-major, `k` per item.
    pub(crate) item_factors: Vec<f32>,
    /// `Σ_i y_i y_iᵀ`, row-major `k × k`: derived from the item factors, for fold-in.
    pub(crate) item_gramian: Vec<f32>,
}

impl PartialEq for ImplicitModel {
    fn eq(&self, other: &Self) -> bool {
        // The Gramian follows from the item factors.
        self.params == other.params
            && self.seed == other.seed
            && self.scale == other.scale
            && self.k == other.k
            && self.user_factors == other.user_factors
            && self.item_factors == other.item_factors
    }
}

/// Weight of an observed pair above the unobserved weight: `alpha · (1 + rating_weight · t)`
/// with `t` the rating's place on the scale (the middle for an item seen but not rated).
pub(crate) fn observed_weight(params: &ImplicitParams, scale: Scale, rating: Option<f32>) -> f32 {
    let span = scale.max - scale.min;
    let t = match rating {
        Some(r) if span > 0.0 => ((r - scale.min) / span).clamp(0.0, 1.0),
        Some(_) => 1.0,
        None => 0.5,
    };
    params.alpha * (1.0 + params.rating_weight * t)
}

/// The frequency-scaled penalty of a row with `n` observations against `n_other` rows.
pub(crate) fn row_reg(params: &ImplicitParams, n: usize, n_other: usize) -> f32 {
    let freq = n as f64 + f64::from(params.unobserved_weight) * n_other as f64;
    (f64::from(params.reg) * freq.powf(f64::from(params.reg_exponent))) as f32
}

impl ImplicitModel {
    pub(crate) fn new(
        params: ImplicitParams,
        seed: u64,
        scale: Scale,
        k: usize,
        user_factors: Vec<f32>,
        item_factors: Vec<f32>,
    ) -> Self {
        let item_gramian = gramian(&item_factors, k);
        Self {
            params,
            seed,
            scale,
            k,
            user_factors,
            item_factors,
            item_gramian,
        }
    }

    /// The hyper-parameters it was trained with.
    pub fn params(&self) -> &ImplicitParams {
        &self.params
    }

    /// Latent factors per user and item.
    pub fn n_factors(&self) -> usize {
        self.k
    }

    /// Number of users it was trained with.
    pub fn n_users(&self) -> usize {
        self.user_factors.len().checked_div(self.k).unwrap_or(0)
    }

    /// Number of items it was trained with.
    pub fn n_items(&self) -> usize {
        self.item_factors.len().checked_div(self.k).unwrap_or(0)
    }

    /// A training user's factors; `None` for an unknown user.
    pub fn user_factors(&self, user: UserIdx) -> Option<&[f32]> {
        let u = user.index();
        (u < self.n_users()).then(|| &self.user_factors[u * self.k..(u + 1) * self.k])
    }

    /// An item's factors; `None` for an unknown item.
    pub fn item_factors(&self, item: ItemIdx) -> Option<&[f32]> {
        let i = item.index();
        (i < self.n_items()).then(|| &self.item_factors[i * self.k..(i + 1) * self.k])
    }

    /// The preference score of a user's factors for an item (0 for an unknown item).
    pub(crate) fn score(&self, user: &[f32], item: ItemIdx) -> f32 {
        self.item_factors(item).map_or(0.0, |q| dot(user, q))
    }

    /// Folds in a user from the items they rated (`(item, rating)`) and, as `seen`, items they
    /// marked as watched without rating: one exact solve of size `k` with the item side fixed,
    /// the system a training user's pass solves. Unknown items are ignored; an item both rated
    /// and seen counts once, with its rating.
    pub(crate) fn fold_in(&self, rated: &[(ItemIdx, f32)], seen: &[ItemIdx]) -> ImplicitUser {
        let k = self.k;
        let n_items = self.n_items();
        let mut history: Vec<(ItemIdx, f32)> = Vec::with_capacity(rated.len() + seen.len());
        let mut positions = HashMap::with_capacity(rated.len() + seen.len());
        let inputs = rated
            .iter()
            .map(|&(i, r)| (i, Some(r)))
            .chain(seen.iter().map(|&i| (i, None)));
        for (item, rating) in inputs {
            if item.index() < n_items
                && let Entry::Vacant(place) = positions.entry(item)
            {
                place.insert(history.len());
                history.push((item, observed_weight(&self.params, self.scale, rating)));
            }
        }
        let a0 = f64::from(self.params.unobserved_weight);
        let lambda = f64::from(row_reg(&self.params, history.len(), n_items));
        let mut a: Vec<f64> = self
            .item_gramian
            .iter()
            .map(|&g| a0 * f64::from(g))
            .collect();
        let mut b = vec![0f32; k];
        // `A` is symmetric: only its upper triangle takes the history's sum (each row of
        // factors widened once), then it is mirrored. Half the work of the whole square,
        // which dominates a fold-in of tens of thousands of ratings.
        let mut wide = vec![0f64; k];
        for &(item, w) in &history {
            let y = &self.item_factors[item.index() * k..(item.index() + 1) * k];
            for (wv, &yv) in wide.iter_mut().zip(y) {
                *wv = f64::from(yv);
            }
            let w64 = f64::from(w);
            for (r, &ya) in wide.iter().enumerate() {
                let row = &mut a[r * k + r..(r + 1) * k];
                let s = w64 * ya;
                for (m, &yb) in row.iter_mut().zip(&wide[r..]) {
                    *m += s * yb;
                }
            }
            let c = self.params.unobserved_weight + w;
            for (bv, &yv) in b.iter_mut().zip(y) {
                *bv += c * yv;
            }
        }
        for r in 0..k {
            for m in r + 1..k {
                a[m * k + r] = a[r * k + m];
            }
        }
        for d in 0..k {
            a[d * k + d] += lambda.max(1e-9);
        }
        let system = if history.is_empty() {
            None
        } else {
            SpdSystem::new(&a, k)
        };
        let factors = system.as_ref().map_or(vec![0.0; k], |s| s.solve(&b));
        ImplicitUser {
            factors,
            history,
            positions,
            unobserved_weight: self.params.unobserved_weight,
            system,
        }
    }

    /// The `n` best items for a user's factors by score, skipping items for which `exclude`
    /// is true, best first, each with its score.
    pub(crate) fn top_n(
        &self,
        user: &[f32],
        n: usize,
        exclude: impl Fn(ItemIdx) -> bool,
    ) -> Vec<(ItemIdx, f32)> {
        let mut scored: Vec<(f32, ItemIdx)> = (0..self.n_items() as u32)
            .map(ItemIdx::new)
            .filter(|&i| !exclude(i))
            .map(|i| (self.score(user, i), i))
            .collect();
        crate::top::best_first(&mut scored, n);
        scored.into_iter().map(|(s, i)| (i, s)).collect()
    }

    /// Whether every factor is a finite number.
    pub(crate) fn is_finite(&self) -> bool {
        self.user_factors
            .iter()
            .chain(&self.item_factors)
            .all(|x| x.is_finite())
    }
}

/// A user folded into an [`ImplicitModel`]: their factors, and what is needed to split a score
/// over the items they chose.
#[derive(Debug, Clone)]
pub(crate) struct ImplicitUser {
    factors: Vec<f32>,
    /// The items the user chose with their observed weights.
    history: Vec<(ItemIdx, f32)>,
    /// Each history item's place in `history`: asking for one item's contribution costs
    /// one lookup rather than a scan of a history that can hold tens of thousands of items.
    positions: HashMap<ItemIdx, usize>,
    unobserved_weight: f32,
    /// The user's factorised system; `None` without history.
    system: Option<SpdSystem>,
}

impl ImplicitUser {
    /// A user known only by their factors (a training user): scores, but no contributions.
    pub(crate) fn from_factors(factors: Vec<f32>) -> Self {
        Self {
            factors,
            history: Vec::new(),
            positions: HashMap::new(),
            unobserved_weight: 0.0,
            system: None,
        }
    }

    /// The user's factors.
    pub(crate) fn factors(&self) -> &[f32] {
        &self.factors
    }

    /// How much each item of the user's history adds to their score of `item`, in history
    /// order; the contributions sum to [`ImplicitModel::score`] (up to rounding).
    ///
    /// With `A` the user's system matrix, `x_u = A⁻¹ Σ_j c_j y_j`, so the score
    /// `y_i · x_u = Σ_j c_j (A⁻¹ y_i) · y_j` (Hu, Koren & Volinsky 2008, §5).
    // The whole split at once: what the tests hold the explainer to.
    #[cfg(test)]
    pub(crate) fn contributions(
        &self,
        model: &ImplicitModel,
        item: ItemIdx,
    ) -> Vec<(ItemIdx, f32)> {
        let items: Vec<ItemIdx> = self.history.iter().map(|&(j, _)| j).collect();
        let parts = self.explainer(model, &items).contributions(item);
        items
            .into_iter()
            .zip(parts)
            .filter_map(|(j, c)| Some((j, c?)))
            .collect()
    }

    /// Splits scores over a fixed set of items, `among` (e.g. the history items the user
    /// liked), for many scored items in turn: the items are looked up in the history once
    /// here, so each [`Explainer::contributions`] costs one solve of size `k` and one dot
    /// product per item of `among`, however long the history.
    pub(crate) fn explainer<'a>(
        &'a self,
        model: &'a ImplicitModel,
        among: &[ItemIdx],
    ) -> Explainer<'a> {
        let among = among
            .iter()
            .map(|j| {
                let &place = self.positions.get(j)?;
                let (_, w) = self.history[place];
                Some((self.unobserved_weight + w, model.item_factors(*j)?))
            })
            .collect();
        Explainer {
            user: self,
            model,
            among,
        }
    }
}

/// A user's scores split over a fixed set of items; see [`ImplicitUser::explainer`].
#[derive(Debug, Clone)]
pub(crate) struct Explainer<'a> {
    user: &'a ImplicitUser,
    model: &'a ImplicitModel,
    /// Per item asked about: its confidence `c_j` and factors `y_j`; `None` when it is not
    /// in the user's history (or the model does not know it).
    among: Vec<Option<(f32, &'a [f32])>>,
}

impl Explainer<'_> {
    /// How much each item the explainer was made for adds to the user's score of `item`,
    /// `c_j (A⁻¹ y_i) · y_j`, in that order; `None` for an item outside the history, and
    /// all `None` for a user without history or an unknown `item`.
    pub(crate) fn contributions(&self, item: ItemIdx) -> Vec<Option<f32>> {
        let (Some(system), Some(y)) = (&self.user.system, self.model.item_factors(item)) else {
            return vec![None; self.among.len()];
        };
        let v = system.solve(y);
        self.among
            .iter()
            .map(|part| part.map(|(c, yj)| c * dot(&v, yj)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Dataset, Fit, ImplicitModel, ImplicitParams, Scale};

    /// Two tastes over six items, 30 users.
    fn fitted() -> (Dataset, ImplicitModel) {
        let records = (0..30).flat_map(|u: u32| {
            (0..6u32)
                .filter(move |i| !(u + i).is_multiple_of(3) && (i < &3) == u.is_multiple_of(2))
                .map(move |i| (u.to_string(), i.to_string(), 4.0))
        });
        let data = Dataset::from_records(records, Scale::MOVIELENS);
        let model = Fit::new(&ImplicitParams::default().with_factors(4))
            .run(&data)
            .unwrap();
        (data, model)
    }

    #[test]
    fn contributions_sum_to_the_score() {
        let (data, model) = fitted();
        let item = |name: &str| data.items().get(name).unwrap();
        let user = model.fold_in(&[(item("0"), 5.0), (item("3"), 4.0)], &[]);
        let parts = user.contributions(&model, item("1"));
        let total: f32 = parts.iter().map(|&(_, c)| c).sum();
        assert!((total - model.score(user.factors(), item("1"))).abs() < 1e-4);
    }

    #[test]
    fn an_explainer_splits_as_contributions_do_and_items_outside_the_history_have_no_part() {
        let (data, model) = fitted();
        let item = |name: &str| data.items().get(name).unwrap();
        let user = model.fold_in(&[(item("0"), 5.0), (item("3"), 4.0)], &[]);
        // Item 2 is not in the user's history: it has no part.
        let explainer = user.explainer(&model, &[item("3"), item("2")]);
        let whole = user.contributions(&model, item("1"));
        assert_eq!(explainer.contributions(item("1")), [Some(whole[1].1), None]);
    }

    #[test]
    fn a_newcomer_is_offered_more_of_what_they_watched() {
        // Two tastes: users 0–9 watch items a–e, users 10–19 watch items f–j.
        let records = (0..20).flat_map(|u: usize| {
            let items = if u < 10 {
                ["a", "b", "c", "d", "e"]
            } else {
                ["f", "g", "h", "i", "j"]
            };
            items
                .into_iter()
                .filter(move |i| !(u + i.len() + i.as_bytes()[0] as usize).is_multiple_of(5))
                .map(move |i| (u.to_string(), i.to_string(), 4.0))
        });
        let data = Dataset::from_records(records, Scale::MOVIELENS);
        let params = ImplicitParams::default().with_factors(4);
        let model = Fit::new(&params).threads(1).run(&data).unwrap();
        // A newcomer who watched a and b is folded in with one solve and offered more of the same.
        let item = |name: &str| data.items().get(name).unwrap();
        let newcomer = model.fold_in(&[(item("a"), 4.0), (item("b"), 5.0)], &[]);
        let top = model.top_n(newcomer.factors(), 3, |i| i == item("a") || i == item("b"));
        assert!(
            top.iter()
                .all(|&(i, _)| ["c", "d", "e"].contains(&data.items().ext(i).as_str()))
        );
    }
}
