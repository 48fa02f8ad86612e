//! A trained model: one user type, [`User`], made by [`Model::fold_in`] (or [`Model::user`]
//! for a training user), and one verb per job: [`Model::recommend`], [`Model::predict`],
//! [`Model::explain`] and [`Model::similar_items`].

mod content;
mod explain;
mod recommend;
mod similar;
#[cfg(test)]
mod tests;

pub use explain::Reason;
pub use recommend::Pick;

use crate::content::ContentIndex;
use crate::data::Scale;
use crate::ids::{ExternalId, IdMap, ItemIdx, UserIdx};
use crate::implicit::{ImplicitModel, ImplicitUser};
use crate::linalg::{Regularisation, dot, solve_row};
use crate::neighbours::Neighbours;
use crate::params::Algorithm;

/// The rating model's side of a user: their bias and factors.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UserVector {
    pub(crate) bias: f32,
    pub(crate) factors: Vec<f32>,
}

/// A biased matrix-factorisation model (the baseline model is the same with zero factors),
/// with, for the hybrid, an implicit-feedback model beside it.
///
/// Rating prediction: `global_mean + user_bias + item_bias + user_factors · item_factors`, clipped
/// to the scale. Made by [`fit`](crate::fit) or [`Fit`](crate::Fit), or read by [`Model::load`].
///
/// ```
/// use movierec_engine::{Dataset, Params, Scale, fit};
///
/// let data = Dataset::from_records(
///     [("ann", "alien", 5.0), ("ann", "heat", 2.0), ("bob", "alien", 4.5), ("bob", "up", 1.0)],
///     Scale::MOVIELENS,
/// );
/// let model = fit(&data, &Params::default().with_epochs(5))?;
/// let ann = model.user(model.users().get("ann").unwrap());
/// let up = model.items().get("up").unwrap();
/// assert!(Scale::MOVIELENS.contains(model.predict(&ann, up)));
/// # Ok::<(), movierec_engine::FitError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Model<U = String, T = String> {
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
    pub(crate) users: IdMap<UserIdx, U>,
    pub(crate) items: IdMap<ItemIdx, T>,
    /// Training ratings per item: the item's support, used in ranking.
    pub(crate) item_counts: Vec<u32>,
    pub(crate) fold_in_reg: Regularisation,
    /// Weight of `ln(1 + ratings of the item)` in the ranking score; see [`Model::recommend`].
    pub(crate) popularity_weight: f32,
    /// The implicit-feedback model trained on the same data, indexed alike.
    pub(crate) implicit: Option<ImplicitModel>,
    /// Weight of the predicted rating in the blended score; see [`Model::recommend`].
    pub(crate) blend: f32,
    /// Each item's neighbours by who rated what (empty in files older than version 3).
    pub(crate) neighbours: Neighbours,
    /// Weight of a short history's neighbour score in the ranking; see [`Model::recommend`].
    pub(crate) taste: f32,
    /// The catalog's content of the items, for items with little rating data; set by
    /// [`Model::with_content`] (not stored in the model file).
    pub(crate) content: Option<ContentIndex>,
}

/// A user as the model sees them: folded in from their ratings by [`Model::fold_in`], or a
/// training user by [`Model::user`]. What [`Model::recommend`], [`Model::predict`] and
/// [`Model::explain`] take; it holds no reference to the model, and is only meaningful with
/// the model that made it.
#[derive(Debug, Clone)]
pub struct User {
    /// The rating model's side.
    explicit: UserVector,
    /// The implicit-feedback model's side; `None` when the model has no implicit part.
    implicit: Option<ImplicitUser>,
    /// The ratings folded in, each as its distance from the user's (shrunk) mean: what it
    /// says about its neighbours, for and against.
    taste: Vec<(ItemIdx, f32, f32)>,
    /// The lowest predicted rating shown as a pick.
    floor: f32,
}

/// Ratings worth of the site's mean a user's own mean is shrunk with: five ratings of 5★
/// say the user is generous, not that they rate everything 5★.
const MEAN_PRIOR: f32 = 5.0;
/// Stars below the user's (shrunk) mean at which a rated film no longer counts as a choice
/// in the implicit fold-in.
const DISLIKED_BELOW_MEAN: f32 = 1.0;

impl<U: ExternalId, T: ExternalId> Model<U, T> {
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
    pub fn users(&self) -> &IdMap<UserIdx, U> {
        &self.users
    }

    /// The items' external ids.
    pub fn items(&self) -> &IdMap<ItemIdx, T> {
        &self.items
    }

    /// A training user's learned bias; `None` for a user the model does not know.
    pub fn user_bias(&self, user: UserIdx) -> Option<f32> {
        self.user_bias.get(user.index()).copied()
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

    /// The ranking weight of item support: without an implicit part the model ranks by the
    /// unclipped predicted rating plus `popularity_weight · ln(1 + ratings of the item)`.
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

    /// The blend's weight of the predicted rating; see [`Model::recommend`].
    pub fn blend(&self) -> f32 {
        self.blend
    }

    /// The weight of a short history's neighbour score; see [`Model::recommend`].
    pub fn taste(&self) -> f32 {
        self.taste
    }

    fn item_row(&self, item: ItemIdx) -> &[f32] {
        let i = item.index();
        &self.item_factors[i * self.k..(i + 1) * self.k]
    }

    /// The predicted rating of `item` by `user`, clipped to the scale: the rating model's
    /// (the stars shown beside a pick). An item the model does not know falls back to the
    /// user's bias and the global mean.
    ///
    /// ```
    /// use movierec_engine::{Dataset, Params, Scale, fit};
    ///
    /// let data = Dataset::from_records(
    ///     [("ann", "alien", 5.0), ("ann", "heat", 2.0), ("bob", "alien", 4.5), ("bob", "up", 1.0)],
    ///     Scale::MOVIELENS,
    /// );
    /// let model = fit(&data, &Params::default().with_epochs(5))?;
    /// let item = |name: &str| model.items().get(name).unwrap();
    /// let fan = model.fold_in(&[(item("alien"), 5.0)], &[]);
    /// let stars = model.predict(&fan, item("up"));
    /// assert!(Scale::MOVIELENS.contains(stars));
    /// // A training user's prediction is their learned one.
    /// let bob = model.user(model.users().get("bob").unwrap());
    /// assert!(model.predict(&bob, item("alien")) > model.predict(&bob, item("up")));
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn predict(&self, user: &User, item: ItemIdx) -> f32 {
        self.scale.clip(self.predict_raw(&user.explicit, item))
    }

    /// [`Model::predict`] of a training user without building a [`User`]; an unknown user
    /// falls back to the biases and the global mean.
    pub(crate) fn predict_trained(&self, user: UserIdx, item: ItemIdx) -> f32 {
        let u = user.index();
        if u < self.n_users() {
            let uv = &self.user_factors[u * self.k..(u + 1) * self.k];
            self.scale.clip(self.raw(self.user_bias[u], uv, item))
        } else {
            self.scale.clip(self.raw(0.0, &[], item))
        }
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
    pub(crate) fn user_vector(&self, user: UserIdx) -> UserVector {
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

    /// A user's bias and factors from their `(item, rating)` pairs with the item side
    /// fixed: one regularised least-squares solve of size `k + 1`, the same a training user
    /// gets. Items the model does not know are ignored.
    fn fold_in_explicit(&self, ratings: &[(ItemIdx, f32)]) -> UserVector {
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

    /// A new user, without retraining, from the films they `rated` (`(item, stars)`) and
    /// those they marked as `seen` without rating them. The rating model takes the ratings
    /// (one regularised least-squares solve of size `k + 1`, the same a training user
    /// gets); the implicit part, when the model has one, takes the seen films and the rated
    /// ones, leaving out films rated well below the user's own mean (what the user does not
    /// want). Items the model does not know are ignored.
    ///
    /// ```
    /// use movierec_engine::{Dataset, Params, Scale, fit};
    ///
    /// let data = Dataset::from_records(
    ///     [("ann", "alien", 5.0), ("ann", "heat", 2.0), ("bob", "alien", 4.5), ("bob", "up", 1.0)],
    ///     Scale::MOVIELENS,
    /// );
    /// let model = fit(&data, &Params::default().with_epochs(5))?;
    /// // A new user who loved Alien, without retraining.
    /// let alien = model.items().get("alien").unwrap();
    /// let newcomer = model.fold_in(&[(alien, 5.0)], &[]);
    /// let nobody = model.fold_in(&[], &[]);
    /// assert!(model.predict(&newcomer, alien) > model.predict(&nobody, alien));
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn fold_in(&self, rated: &[(ItemIdx, f32)], seen: &[ItemIdx]) -> User {
        let known: Vec<(ItemIdx, f32)> = rated
            .iter()
            .copied()
            .filter(|(i, _)| i.index() < self.n_items())
            .collect();
        let sum: f32 = known.iter().map(|&(_, r)| r).sum();
        let centre = (sum + MEAN_PRIOR * self.global_mean) / (known.len() as f32 + MEAN_PRIOR);
        User {
            explicit: self.fold_in_explicit(&known),
            implicit: self.implicit.as_ref().map(|m| {
                // A film rated well below the user's mean says what they do not want; in the
                // implicit model it would count as a choice and pull them towards its kind
                // (a newcomer's 1★ blockbusters towards every blockbuster).
                let chosen: Vec<(ItemIdx, f32)> = known
                    .iter()
                    .copied()
                    .filter(|&(_, r)| r >= centre - DISLIKED_BELOW_MEAN)
                    .collect();
                m.fold_in(if chosen.is_empty() { &known } else { &chosen }, seen)
            }),
            taste: known.iter().map(|&(i, r)| (i, r, r - centre)).collect(),
            floor: self.pick_floor().max(centre),
        }
    }

    /// A training user as the model learned them (not a fold-in); an index the model does
    /// not know gives a user with zero bias and factors.
    pub fn user(&self, user: UserIdx) -> User {
        let explicit = self.user_vector(user);
        let floor = self.pick_floor().max(self.global_mean + explicit.bias);
        User {
            explicit,
            implicit: self.implicit.as_ref().map(|m| {
                let x = m
                    .user_factors(user)
                    .map_or(vec![0.0; m.n_factors()], <[f32]>::to_vec);
                ImplicitUser::from_factors(x)
            }),
            taste: Vec::new(),
            floor,
        }
    }

    /// The lowest predicted rating worth showing as a pick: 3★ on MovieLens' 0.5–5, the
    /// same place on any other scale.
    fn pick_floor(&self) -> f32 {
        self.scale.min + 5.0 / 9.0 * (self.scale.max - self.scale.min)
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
