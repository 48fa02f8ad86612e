//! [`Model::explain`]: which of the user's films a pick owes most to.

use super::recommend::CONTENT_FLOOR;
use super::{Model, User};
use crate::ids::{ExternalId, ItemIdx};

/// Why a film was picked for a user, from [`Model::explain`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// One film the user liked contributes most to the pick, and materially: at least a
    /// fifth of everything that speaks for it.
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
pub(crate) const MATERIAL_SHARE: f32 = 0.2;
impl<U: ExternalId, T: ExternalId> Model<U, T> {
    /// Why each of `items` would be a pick for `user`: the liked film (4★ or more on
    /// MovieLens' scale, and above the user's mean) that contributes most to the item's
    /// score — through the implicit model's exact split of the score over the user's films
    /// (Hu, Koren & Volinsky 2008, §5) and through its neighbours — when it brings at least
    /// a fifth of what speaks for the item; else [`Reason::Taste`]. A film the user disliked
    /// is never a reason. Without an implicit part, the liked film nearest in factor space.
    ///
    /// ```
    /// use movierec_engine::{Dataset, Fit, Params, Reason, Scale};
    ///
    /// // Two tastes: films 0–4 and 5–9, each loved by half the users.
    /// let records = (0..40).flat_map(|u: u32| {
    ///     (0..10u32).filter(move |i| (u + i) % 3 != 0)
    ///         .map(move |i| (u.to_string(), i.to_string(), if (i < 5) == (u % 2 == 0) { 5.0 } else { 2.0 }))
    /// });
    /// let data = Dataset::from_records(records, Scale::MOVIELENS);
    /// let model = Fit::new(&Params::hybrid().with_factors(4)).threads(1).run(&data)?;
    /// let item = |name: &str| data.items().get(name).unwrap();
    /// let rated = [(item("0"), 5.0), (item("1"), 4.5), (item("7"), 1.0)];
    /// let user = model.fold_in(&rated, &[]);
    /// let picks: Vec<_> = model
    ///     .recommend(&user, 3, |i| rated.iter().any(|&(r, _)| r == i))
    ///     .iter()
    ///     .map(|p| p.item())
    ///     .collect();
    /// let reasons = model.explain(&user, &picks);
    /// assert_eq!(reasons.len(), picks.len());
    /// for reason in reasons {
    ///     match reason {
    ///         // Only a liked film is ever named, never the disliked "7".
    ///         Reason::Because { item: film, rating } => {
    ///             assert!(film != item("7") && rating >= 4.5)
    ///         }
    ///         Reason::Taste => {}
    ///     }
    /// }
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn explain(&self, user: &User, items: &[ItemIdx]) -> Vec<Reason> {
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
        let (per_film, kind_per_film) = if norm <= 0.0 {
            (0.0, 0.0)
        } else {
            let weight = if weight < 1e-3 { 0.0 } else { weight };
            (
                weight / norm,
                self.content_taste_weight(user.taste.len()) / norm,
            )
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
                let through = |j: ItemIdx, w: f32| {
                    let kind = match &self.content {
                        Some(content) if kind_per_film > 0.0 => {
                            kind_per_film * content.similarity(j, item)
                        }
                        _ => 0.0,
                    };
                    w * (per_film * self.pair_similarity(j, item) + kind)
                };
                let mut total = model.score(u.factors(), item).max(0.0);
                if per_film > 0.0 || kind_per_film > 0.0 {
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
}
