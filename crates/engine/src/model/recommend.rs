//! [`Model::recommend`]: what a user would choose and like, best first.

use super::{Model, User, UserVector};
use crate::ids::{ExternalId, ItemIdx};
use crate::implicit::ImplicitUser;
use crate::linalg::dot;
use crate::top::best_first;

/// Content weight below which an item's content neighbours are not read: a film with a few
/// hundred ratings is known by its raters, and its genre's thousands of films would only
/// cost time.
pub(super) const CONTENT_FLOOR: f32 = 0.05;
/// History length at which the neighbour score's weight halves: a short history is read
/// film by film, a long one by the factors it has shaped.
const TASTE_HISTORY: f32 = 20.0;
/// Weight, in units of the implicit score and halving at [`TASTE_HISTORY`] films, of what a
/// short history's films are (the catalog's content: genres, director, decade), beside what
/// their raters also rated. Co-ratings of a few hundred people blur a niche towards what
/// everyone watches; the films' kind does not. Not tuned: held-out NDCG, which rewards the
/// films most people rate, cannot see it (on the MovieLens 100k folds it is flat from 0 to
/// 0.3, 0.3727 and 0.3729, while the one-genre personas' share of their genre rises from
/// 0.43 to 0.54); this is the largest round weight on that plateau.
const CONTENT_TASTE: f32 = 0.3;
/// Weight of the content part below which it is not read: a history of a few hundred films
/// is known by its factors, and each film's genre postings would only cost time.
const CONTENT_TASTE_FLOOR: f32 = 0.02;
/// Picks among which near-duplicates (a sequel of an earlier pick) are moved down.
const DISTINCT_PICKS: usize = 5;

/// One recommendation of [`Model::recommend`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    item: ItemIdx,
    score: f32,
    predicted: f32,
}

impl Pick {
    /// The item.
    pub fn item(&self) -> ItemIdx {
        self.item
    }

    /// The score it was ranked by.
    pub fn score(&self) -> f32 {
        self.score
    }

    /// The rating model's predicted rating, clipped to the scale: [`Model::predict`].
    pub fn predicted(&self) -> f32 {
        self.predicted
    }
}

impl<U: ExternalId, T: ExternalId> Model<U, T> {
    /// The `n` best items for a user, skipping items for which `exclude` is true, best first.
    ///
    /// Ranked, when the model has an implicit part, by how likely the user is to choose the
    /// item plus `blend ·` how much above the mean they would rate it (`x_u · y_i + blend ·
    /// (predicted − global mean)`, so a pick is a film the user would watch *and* like);
    /// without one, by the unclipped predicted rating plus `popularity_weight · ln(1 +
    /// ratings of the item)` (a prior that a film many chose to watch is one this user will
    /// want too). To either is added, for a short history, what the user's own films
    /// say through their neighbours (by who rated what, and by content where a film has few
    /// ratings) and, with a catalog, through the films of their kind (genres, director,
    /// decade), each film weighted by how far its rating is from the user's mean: a niche
    /// taste read film by film, where the factors of a dozen ratings lean towards what
    /// everyone watches. That weight halves at 20 films and fades as the history grows.
    ///
    /// Nothing predicted below 3★ (on MovieLens' scale; the same place on others) or below
    /// the user's own mean (shrunk towards the site's) is a pick, so the list may be shorter
    /// than `n`; and among the first five, a film of the same series as an earlier pick (by
    /// their [`SERIES`](crate::SERIES) features) moves down.
    ///
    /// ```
    /// use movierec_engine::{Dataset, Fit, Params, Scale};
    ///
    /// let records = (0..40).flat_map(|u: u32| {
    ///     (0..10u32).filter(move |i| (u + i) % 3 != 0)
    ///         .map(move |i| (u.to_string(), i.to_string(), if (i < 5) == (u % 2 == 0) { 5.0 } else { 2.0 }))
    /// });
    /// let data = Dataset::from_records(records, Scale::MOVIELENS);
    /// let model = Fit::new(&Params::hybrid().with_factors(4)).threads(1).run(&data)?;
    /// let item = |name: &str| data.items().get(name).unwrap();
    /// let user = model.fold_in(&[(item("0"), 5.0), (item("1"), 4.5), (item("7"), 1.0)], &[]);
    /// let picks = model.recommend(&user, 3, |i| [item("0"), item("1"), item("7")].contains(&i));
    /// assert!(!picks.is_empty() && picks.len() <= 3);
    /// assert!(picks.iter().all(|p| p.predicted() >= 3.0));
    /// assert!(picks.iter().any(|p| ["2", "3", "4"].contains(&data.items().ext(p.item()).as_str())));
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn recommend(&self, user: &User, n: usize, exclude: impl Fn(ItemIdx) -> bool) -> Vec<Pick> {
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
    fn shown(&self, user: &User, ranked: &[(f32, ItemIdx)], n: usize) -> Vec<Pick> {
        let mut picks: Vec<Pick> = Vec::with_capacity(n);
        let mut later: Vec<Pick> = Vec::new();
        for &(score, item) in ranked {
            if picks.len() >= n {
                break;
            }
            let predicted = self.predict(user, item);
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

    /// [`Model::recommend`]'s blended ranking of a user vector, without the floor and the
    /// neighbour score: what [`eval`](crate::eval) measures of a hybrid's training user.
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
                predicted: self.scale.clip(self.predict_raw(uv, item)),
            })
            .collect()
    }

    /// The score a rating model alone ranks by: the unclipped predicted rating plus
    /// `popularity_weight · ln(1 + item ratings)`.
    ///
    /// Rating prediction alone puts films with a handful of enthusiastic ratings above well-loved
    /// classics: their estimate is noisy, and few people have seen them. The support term is a prior
    /// that a film many people chose to watch is one this user will also want; the weight is tuned
    /// on held-out ratings (NDCG@10) and stored with the model.
    pub(crate) fn rank_score(&self, uv: &UserVector, item: ItemIdx) -> f32 {
        let support = self.item_count(item);
        self.raw(uv.bias, &uv.factors, item) + self.popularity_weight * (support as f32).ln_1p()
    }

    /// The `n` best items for a user vector by [`Model::rank_score`], skipping items for which
    /// `exclude` is true, best first, each with its predicted rating (clipped): a rating
    /// model's ranking of a training user, without the floor and the neighbour score of
    /// [`Model::recommend`] (what [`eval`](crate::eval) measures).
    pub(crate) fn top_n(
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
            .map(|(_, i)| (i, self.scale.clip(self.predict_raw(uv, i))))
            .collect()
    }

    /// The score [`Model::recommend`] ranks by before the neighbour score. With an implicit
    /// part: how likely the user is to choose the item plus `blend ·` how much above the mean
    /// they would rate it, `x_u · y_i + blend · (predicted − global mean)`, so a pick is a
    /// film the user would watch *and* like. Without one, [`Model::rank_score`].
    pub(crate) fn blended_score(&self, user: &User, item: ItemIdx) -> f32 {
        self.blended(
            &user.explicit,
            user.implicit.as_ref().map(ImplicitUser::factors),
            item,
        )
    }

    /// [`Model::blended_score`] of a user's two sides.
    pub(crate) fn blended(&self, uv: &UserVector, implicit: Option<&[f32]>, item: ItemIdx) -> f32 {
        match (&self.implicit, implicit) {
            (Some(m), Some(x)) => {
                m.score(x, item)
                    + self.blend * (self.raw(uv.bias, &uv.factors, item) - self.global_mean)
            }
            _ => self.rank_score(uv, item),
        }
    }

    /// The weight of the neighbour score for a history of `n` films.
    pub(super) fn taste_weight(&self, n: usize) -> f32 {
        self.taste * TASTE_HISTORY / (TASTE_HISTORY + n as f32)
    }

    /// The weight of a history's content for a history of `n` films; 0 without a catalog.
    pub(super) fn content_taste_weight(&self, n: usize) -> f32 {
        let weight = CONTENT_TASTE * TASTE_HISTORY / (TASTE_HISTORY + n as f32);
        if self.content.is_none() || weight < CONTENT_TASTE_FLOOR {
            return 0.0;
        }
        weight
    }

    /// How much the user's films say for each item through their neighbours: per history
    /// film, its neighbours by who rated what and, as far as the film itself has few
    /// ratings, by content, plus (at [`CONTENT_TASTE`]) the films that share its content,
    /// times the film's distance from the user's mean; normalised by the history's total
    /// weight. `None` when the history is too long to weigh.
    fn taste_scores(&self, user: &User) -> Option<Vec<f32>> {
        self.taste_scores_at(user, self.taste)
    }

    /// [`Model::taste_scores`] with the weight `taste` in place of the model's.
    pub(crate) fn taste_scores_at(&self, user: &User, taste: f32) -> Option<Vec<f32>> {
        let weight = taste * TASTE_HISTORY / (TASTE_HISTORY + user.taste.len() as f32);
        let weight = if weight < 1e-3 { 0.0 } else { weight };
        let kind = self.content_taste_weight(user.taste.len());
        if user.taste.is_empty() || weight + kind == 0.0 {
            return None;
        }
        let norm: f32 = user.taste.iter().map(|&(_, _, w)| w.abs()).sum();
        if norm <= 0.0 {
            return None;
        }
        let mut acc = vec![0f32; self.n_items()];
        for &(i, _, w) in &user.taste {
            if weight > 0.0 {
                let share = weight * w / norm;
                self.for_each_neighbour(i, |j, s| acc[j.index()] += share * s);
            }
            if kind > 0.0
                && let Some(content) = &self.content
            {
                let share = kind * w / norm;
                content.for_each_part(i, |j, s| acc[j.index()] += share * s);
            }
        }
        Some(acc)
    }

    /// Calls `f` with each neighbour of `item` and its similarity: by who rated what, and
    /// by content as far as `item` itself has little rating data (a film nobody rated is
    /// known only by its content).
    pub(super) fn for_each_neighbour(&self, item: ItemIdx, mut f: impl FnMut(ItemIdx, f32)) {
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
    /// neighbours at all), halving at [`CONTENT_SHRINK`](crate::content::CONTENT_SHRINK)
    /// ratings.
    pub(crate) fn content_weight(&self, item: ItemIdx) -> f32 {
        if self.neighbours.is_empty() {
            return 1.0;
        }
        let m = self.item_count(item) as f32;
        crate::content::CONTENT_SHRINK / (m + crate::content::CONTENT_SHRINK)
    }
}
