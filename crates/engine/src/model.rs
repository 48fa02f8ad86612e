//! A trained model: prediction, fold-in of new ratings, top-N and item similarity.

use crate::content::ContentIndex;
use crate::data::Scale;
use crate::ids::{IdMap, ItemIdx, UserIdx};
use crate::implicit::{ImplicitModel, ImplicitUser};
use crate::linalg::{Regularisation, dot, solve_row};
use crate::neighbours::Neighbours;
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
    /// Each item's neighbours by who rated what (empty in files older than version 3).
    pub(crate) neighbours: Neighbours,
    /// Weight of a short history's neighbour score in the ranking; see [`Model::recommend`].
    pub(crate) taste: f32,
    /// The catalog's content of the items, for items with little rating data; set by
    /// [`Model::with_content`] (not stored in the model file).
    pub(crate) content: Option<ContentIndex>,
}

/// A user folded into both parts of a [`Model`]: the rating model and, when the model has one,
/// the implicit-feedback model.
#[derive(Debug, Clone)]
pub struct HybridUser {
    /// The rating model's user vector.
    pub explicit: UserVector,
    /// The implicit-feedback model's user; `None` when the model has no implicit part.
    pub implicit: Option<ImplicitUser>,
    /// The ratings folded in, each as its distance from the user's (shrunk) mean: what it
    /// says about its neighbours, for and against.
    taste: Vec<(ItemIdx, f32, f32)>,
    /// The lowest predicted rating shown as a pick.
    floor: f32,
}

/// Why a film was picked for a user, from [`Model::explain`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// One film the user liked contributes most to the pick, and materially: at least
    /// [`MATERIAL_SHARE`] of everything that speaks for it.
    Because {
        /// The liked film.
        item: ItemIdx,
        /// The user's rating of it.
        rating: f32,
    },
    /// No single film does: the pick follows the user's taste as a whole.
    Taste,
}

/// Share of a pick's positive contributions one liked film must bring to be named as its
/// reason: a film behind a fifth of the score is one the user would recognise as the cause.
pub const MATERIAL_SHARE: f32 = 0.2;
/// Ratings worth of the site's mean a user's own mean is shrunk with: five ratings of 5★
/// say the user is generous, not that they rate everything 5★.
const MEAN_PRIOR: f32 = 5.0;
/// Content weight below which an item's content neighbours are not read: a film with a few
/// hundred ratings is known by its raters, and its genre's thousands of films would only
/// cost time.
const CONTENT_FLOOR: f32 = 0.05;
/// Stars below the user's (shrunk) mean at which a rated film no longer counts as a choice
/// in the implicit fold-in.
const DISLIKED_BELOW_MEAN: f32 = 1.0;
/// History length at which the neighbour score's weight halves: a short history is read
/// film by film, a long one by the factors it has shaped.
const TASTE_HISTORY: f32 = 20.0;
/// Ratings a film needs to enter another film's similar list while better supported films
/// are similar too: below this, a similarity is a handful of people's accident.
pub const MIN_SUPPORT: u32 = 5;
/// Picks among which near-duplicates (a sequel of an earlier pick) are moved down.
const DISTINCT_PICKS: usize = 5;

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

    /// The weight of a short history's neighbour score; see [`Model::recommend`].
    pub fn taste(&self) -> f32 {
        self.taste
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
        let known: Vec<(ItemIdx, f32)> = rated
            .iter()
            .copied()
            .filter(|(i, _)| i.index() < self.n_items())
            .collect();
        let sum: f32 = known.iter().map(|&(_, r)| r).sum();
        let centre = (sum + MEAN_PRIOR * self.global_mean) / (known.len() as f32 + MEAN_PRIOR);
        HybridUser {
            explicit: self.fold_in(&known),
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

    /// A training user's vectors in both parts (the learned ones, not a fold-in).
    pub fn training_user(&self, user: UserIdx) -> HybridUser {
        let explicit = self.user_vector(user);
        let floor = self.pick_floor().max(self.global_mean + explicit.bias);
        HybridUser {
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

    /// The weight of the neighbour score for a history of `n` films.
    fn taste_weight(&self, n: usize) -> f32 {
        self.taste * TASTE_HISTORY / (TASTE_HISTORY + n as f32)
    }

    /// How much the user's films say for each item through their neighbours: per history
    /// film, its neighbours by who rated what and, as far as the film itself has few
    /// ratings, by content, times the film's distance from the user's mean; normalised by
    /// the history's total weight. `None` when the history is too long to weigh.
    fn taste_scores(&self, user: &HybridUser) -> Option<Vec<f32>> {
        self.taste_scores_at(user, self.taste)
    }

    /// [`Model::taste_scores`] with the weight `taste` in place of the model's.
    pub(crate) fn taste_scores_at(&self, user: &HybridUser, taste: f32) -> Option<Vec<f32>> {
        let weight = taste * TASTE_HISTORY / (TASTE_HISTORY + user.taste.len() as f32);
        if user.taste.is_empty() || weight < 1e-3 {
            return None;
        }
        let norm: f32 = user.taste.iter().map(|&(_, _, w)| w.abs()).sum();
        if norm <= 0.0 {
            return None;
        }
        let mut acc = vec![0f32; self.n_items()];
        for &(i, _, w) in &user.taste {
            let share = weight * w / norm;
            self.for_each_neighbour(i, |j, s| acc[j.index()] += share * s);
        }
        Some(acc)
    }

    /// Calls `f` with each neighbour of `item` and its similarity: by who rated what, and
    /// by content as far as `item` itself has little rating data (a film nobody rated is
    /// known only by its content).
    fn for_each_neighbour(&self, item: ItemIdx, mut f: impl FnMut(ItemIdx, f32)) {
        let thin = self.content_weight(item);
        if thin < 1.0 {
            for (j, s) in self.neighbours.of(item) {
                f(j, (1.0 - thin) * s);
            }
        }
        if thin > CONTENT_FLOOR
            && let Some(content) = &self.content
        {
            content.for_each_part(item, |j, s| f(j, thin * s));
        }
    }

    /// How much content rather than ratings speaks for an item: 1 with no rating (or no
    /// neighbours at all), halving at [`CONTENT_SHRINK`](crate::CONTENT_SHRINK) ratings.
    pub(crate) fn content_weight(&self, item: ItemIdx) -> f32 {
        if self.neighbours.is_empty() {
            return 1.0;
        }
        let m = self.item_count(item) as f32;
        crate::content::CONTENT_SHRINK / (m + crate::content::CONTENT_SHRINK)
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

    /// The `n` best items for a user, skipping items for which `exclude` is true, best first.
    ///
    /// Ranked by [`Model::blended_score`] plus, for a short history, what the user's own films
    /// say through their neighbours (by who rated what, and by content where a film has few
    /// ratings), each film weighted by how far its rating is from the user's mean: a niche
    /// taste read film by film, where the factors of a dozen ratings lean towards what
    /// everyone watches. That weight halves at 20 films and fades as the history grows.
    ///
    /// Nothing predicted below 3★ (on MovieLens' scale; the same place on others) or below
    /// the user's own mean (shrunk towards the site's) is a pick, so the list may be shorter
    /// than `n`; and among the first five, a film of the same series as an earlier pick (by
    /// their [`SERIES`](crate::SERIES) features) moves down.
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
    /// assert!(!picks.is_empty() && picks.len() <= 3);
    /// assert!(picks.iter().all(|p| p.predicted >= 3.0));
    /// assert!(picks.iter().any(|p| ["2", "3", "4"].contains(&data.items().ext(p.item))));
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn recommend(
        &self,
        user: &HybridUser,
        n: usize,
        exclude: impl Fn(ItemIdx) -> bool,
    ) -> Vec<Pick> {
        if n == 0 {
            return Vec::new();
        }
        let uv = &user.explicit;
        let implicit = user.implicit.as_ref().map(ImplicitUser::factors);
        let taste = self.taste_scores(user);
        let mut scored: Vec<(f32, ItemIdx)> = (0..self.n_items() as u32)
            .map(ItemIdx::new)
            .filter(|&i| !exclude(i))
            .map(|i| {
                let t = taste.as_ref().map_or(0.0, |t| t[i.index()]);
                (self.blended(uv, implicit, i) + t, i)
            })
            .collect();
        // Most of the best-scored pass the floor; look deeper only when they do not.
        let mut depth = (4 * n + 50).min(scored.len());
        loop {
            let mut head = scored.clone();
            best_first(&mut head, depth);
            let picks = self.shown(user, &head, n);
            if picks.len() >= n || depth == scored.len() {
                return picks;
            }
            depth = scored.len();
            scored.shrink_to_fit();
        }
    }

    /// Walks `ranked` (best first) keeping what is worth showing: at or above the user's
    /// floor, near-duplicates of an earlier pick moved below the first five.
    fn shown(&self, user: &HybridUser, ranked: &[(f32, ItemIdx)], n: usize) -> Vec<Pick> {
        let mut picks: Vec<Pick> = Vec::with_capacity(n);
        let mut later: Vec<Pick> = Vec::new();
        for &(score, item) in ranked {
            if picks.len() >= n {
                break;
            }
            let predicted = self.predict_with(&user.explicit, item);
            if predicted < user.floor {
                continue;
            }
            let pick = Pick {
                item,
                score,
                predicted,
            };
            let twin = picks.len() < DISTINCT_PICKS
                && self
                    .content
                    .as_ref()
                    .is_some_and(|c| picks.iter().any(|p| c.same_series(p.item, item)));
            if twin {
                later.push(pick);
                continue;
            }
            picks.push(pick);
            if picks.len() == DISTINCT_PICKS {
                picks.append(&mut later);
            }
        }
        picks.append(&mut later);
        picks.truncate(n);
        picks
    }

    /// Why each of `items` would be a pick for `user`: the liked film (4★ or more on
    /// MovieLens' scale, and above the user's mean) that contributes most to the item's
    /// score — through the implicit model's exact split of the score over the user's films
    /// (Hu, Koren & Volinsky 2008, §5) and through its neighbours — when it brings at least
    /// [`MATERIAL_SHARE`] of what speaks for the item; else [`Reason::Taste`]. A film the
    /// user disliked is never a reason.
    pub fn explain(&self, user: &HybridUser, items: &[ItemIdx]) -> Vec<Reason> {
        let liked_at = self.scale.min + 7.0 / 9.0 * (self.scale.max - self.scale.min);
        let liked: Vec<(ItemIdx, f32, f32)> = user
            .taste
            .iter()
            .copied()
            .filter(|&(_, r, w)| r >= liked_at && w > 0.0)
            .collect();
        let liked_items: Vec<ItemIdx> = liked.iter().map(|&(i, _, _)| i).collect();
        let explainer = match (&self.implicit, &user.implicit) {
            (Some(m), Some(u)) => Some((m, u, u.explainer(m, &liked_items))),
            _ => None,
        };
        let weight = self.taste_weight(user.taste.len());
        let norm: f32 = user.taste.iter().map(|&(_, _, w)| w.abs()).sum();
        let per_film = if weight < 1e-3 || norm <= 0.0 {
            0.0
        } else {
            weight / norm
        };
        items
            .iter()
            .map(|&item| {
                let Some((model, u, explainer)) = &explainer else {
                    // The rating model alone: the liked film nearest in factor space.
                    return liked
                        .iter()
                        .map(|&(j, r, _)| (self.item_similarity(item, j), j, r))
                        .filter(|&(s, _, _)| s > 0.0)
                        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
                        .map_or(Reason::Taste, |(_, j, r)| Reason::Because {
                            item: j,
                            rating: r,
                        });
                };
                let through = |j: ItemIdx, w: f32| per_film * w * self.pair_similarity(j, item);
                let mut total = model.score(u.factors(), item).max(0.0);
                if per_film > 0.0 {
                    total += user
                        .taste
                        .iter()
                        .map(|&(j, _, w)| through(j, w).max(0.0))
                        .sum::<f32>();
                }
                let best = liked
                    .iter()
                    .zip(explainer.contributions(item))
                    .map(|(&(j, r, w), c)| (c.unwrap_or(0.0).max(0.0) + through(j, w), j, r))
                    .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
                match best {
                    Some((c, j, r)) if c > 0.0 && c >= MATERIAL_SHARE * total => {
                        Reason::Because { item: j, rating: r }
                    }
                    _ => Reason::Taste,
                }
            })
            .collect()
    }

    /// The similarity [`Model::recommend`] reads a history film's neighbours by: by who
    /// rated what and by content, mixed as the film's own rating data decides.
    fn pair_similarity(&self, from: ItemIdx, to: ItemIdx) -> f32 {
        let thin = self.content_weight(from);
        let mut s = (1.0 - thin) * self.neighbours.similarity(from, to);
        if thin > CONTENT_FLOOR
            && let Some(content) = &self.content
        {
            s += thin * content.similarity(from, to);
        }
        s
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

    /// The `n` items most similar to `item`, best first, skipping items for which `exclude`
    /// is true: the films people who rated it also rated (its neighbours by who rated what,
    /// weighted by support), with content (director, genres, decade, cast) weighing in as
    /// far as `item` itself has little rating data. A film with fewer than [`MIN_SUPPORT`]
    /// ratings enters the list only when too few better supported ones are similar at all.
    /// Without neighbours (a model file older than version 3) the factors' cosine stands in.
    pub fn similar_items(
        &self,
        item: ItemIdx,
        n: usize,
        exclude: impl Fn(ItemIdx) -> bool,
    ) -> Vec<(ItemIdx, f32)> {
        if item.index() >= self.n_items() || n == 0 {
            return Vec::new();
        }
        let mut found: std::collections::HashMap<ItemIdx, f32> = std::collections::HashMap::new();
        if self.neighbours.is_empty() {
            let count = self.item_count(item) as f32;
            let content = self.content.as_ref().map(|c| c.neighbours(item));
            for j in (0..self.n_items() as u32).map(ItemIdx::new) {
                let m = count.min(self.item_count(j) as f32);
                let w = m / (m + crate::content::CONTENT_SHRINK);
                let c = content
                    .as_ref()
                    .and_then(|c| c.get(&j))
                    .copied()
                    .unwrap_or(0.0);
                found.insert(j, w * self.item_similarity(item, j) + (1.0 - w) * c);
            }
        } else {
            self.for_each_neighbour(item, |j, s| *found.entry(j).or_insert(0.0) += s);
        }
        found.remove(&item);
        let supported = |j: ItemIdx| self.item_count(j) >= MIN_SUPPORT;
        let mut ranked: Vec<(f32, ItemIdx)> = found
            .into_iter()
            .filter(|&(j, s)| s > 0.0 && !exclude(j))
            .map(|(j, s)| (s, j))
            .collect();
        let (mut first, mut rest): (Vec<_>, Vec<_>) =
            ranked.drain(..).partition(|&(_, j)| supported(j));
        best_first(&mut first, n);
        if first.len() < n {
            best_first(&mut rest, n - first.len());
            first.append(&mut rest);
        }
        first.into_iter().map(|(s, j)| (j, s)).collect()
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
