//! Recommendations for a group watching together: each member's predicted rating of a film
//! (their own [`Model::predict`]) made into one group score by a [`Strategy`].
//!
//! The strategies are pure functions of the members' predictions, so a caller that already
//! has them (a benchmark, a test) scores exactly as [`Model::recommend_group`] does.

use crate::data::Scale;
use crate::ids::{ExternalId, ItemIdx};
use crate::model::{Model, User};
use crate::top::best_first;

/// How a group's predicted ratings of one film become the group's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// The members' mean.
    Average,
    /// The least happy member's prediction: the film everyone minds least.
    LeastMisery,
    /// The mean, but no film any member is predicted to rate below `threshold`.
    NoMisery {
        /// The lowest prediction a member may have of a film the group is offered.
        threshold: f32,
    },
}

impl Strategy {
    /// [`Strategy::NoMisery`] at 3★ on MovieLens' scale (the same place on others): the floor
    /// below which [`Model::recommend`] shows a single user nothing either.
    ///
    /// ```
    /// use movierec_engine::{Scale, Strategy};
    ///
    /// assert_eq!(Strategy::no_misery(Scale::MOVIELENS), Strategy::NoMisery { threshold: 3.0 });
    /// ```
    pub fn no_misery(scale: Scale) -> Self {
        Strategy::NoMisery {
            // In this order the arithmetic is exact on the usual scales.
            threshold: scale.min + (scale.max - scale.min) * 5.0 / 9.0,
        }
    }

    /// The group's score of a film from each member's predicted rating of it; `None` when the
    /// strategy rules the film out (or there are no members).
    ///
    /// ```
    /// use movierec_engine::Strategy;
    ///
    /// let loved_but_one_hates = [5.0, 5.0, 1.5];
    /// let fine_for_all = [3.5, 3.5, 3.5];
    /// assert!(Strategy::Average.score(&loved_but_one_hates) > Strategy::Average.score(&fine_for_all));
    /// assert!(Strategy::LeastMisery.score(&loved_but_one_hates) < Strategy::LeastMisery.score(&fine_for_all));
    /// let no_misery = Strategy::NoMisery { threshold: 3.0 };
    /// assert_eq!(no_misery.score(&loved_but_one_hates), None);
    /// assert_eq!(no_misery.score(&fine_for_all), Some(3.5));
    /// ```
    pub fn score(self, predicted: &[f32]) -> Option<f32> {
        if predicted.is_empty() {
            return None;
        }
        let mean = || predicted.iter().sum::<f32>() / predicted.len() as f32;
        let least = || predicted.iter().copied().fold(f32::INFINITY, f32::min);
        match self {
            Strategy::Average => Some(mean()),
            Strategy::LeastMisery => Some(least()),
            Strategy::NoMisery { threshold } => (least() >= threshold).then(mean),
        }
    }
}

/// Stars added to a film's group score for each member who put it on their watchlist: they
/// meant to see it, which a prediction alone does not know. A quarter star lifts a film past
/// near-equals without lifting a poor one past a good one.
pub const WATCHLIST_BOOST: f32 = 0.25;

/// One film for a group, from [`rank_group`] or [`Model::recommend_group`].
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPick<T> {
    /// The film.
    pub item: T,
    /// The strategy's score plus the watchlist boosts: what the picks are ordered by.
    pub score: f32,
    /// Each member's predicted rating, in the members' order.
    pub predicted: Vec<f32>,
}

/// The `n` best of `candidates` for a group, best first: each is a film, every member's
/// predicted rating of it (in one order for all) and how many members have it on their
/// watchlist. Films the strategy rules out are left out, so the list may be shorter than
/// `n`; equal scores keep the candidates' order.
///
/// ```
/// use movierec_engine::{Strategy, rank_group};
///
/// let candidates = vec![("crowd-pleaser", vec![5.0, 5.0, 1.5], 0), ("safe", vec![3.5, 3.5, 3.5], 0)];
/// let picks = rank_group(candidates, Strategy::NoMisery { threshold: 3.0 }, 5);
/// assert_eq!(picks.len(), 1);
/// assert_eq!(picks[0].item, "safe");
/// ```
pub fn rank_group<T>(
    candidates: impl IntoIterator<Item = (T, Vec<f32>, u32)>,
    strategy: Strategy,
    n: usize,
) -> Vec<GroupPick<T>> {
    let mut scored: Vec<(f32, usize, GroupPick<T>)> = candidates
        .into_iter()
        .enumerate()
        .filter_map(|(order, (item, predicted, listed))| {
            let score = strategy.score(&predicted)? + WATCHLIST_BOOST * listed as f32;
            Some((
                score,
                order,
                GroupPick {
                    item,
                    score,
                    predicted,
                },
            ))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.truncate(n);
    scored.into_iter().map(|(_, _, pick)| pick).collect()
}

impl<U: ExternalId, T: ExternalId> Model<U, T> {
    /// The `n` best films for a group of `members` (each folded in as for their own picks),
    /// skipping films for which `exclude` is true, best first: each film scored by `strategy`
    /// over every member's [`Model::predict`] (the stars each is shown for it), plus
    /// [`WATCHLIST_BOOST`] for each of the `watchlisted(item)` members who listed it.
    ///
    /// ```
    /// use movierec_engine::{Dataset, Fit, Params, Scale, Strategy};
    ///
    /// let records = (0..40).flat_map(|u: u32| {
    ///     (0..10u32).filter(move |i| (u + i) % 3 != 0)
    ///         .map(move |i| (u.to_string(), i.to_string(), if (i < 5) == (u % 2 == 0) { 5.0 } else { 2.0 }))
    /// });
    /// let data = Dataset::from_records(records, Scale::MOVIELENS);
    /// let model = Fit::new(&Params::default().with_factors(4)).threads(1).run(&data)?;
    /// let item = |name: &str| data.items().get(name).unwrap();
    /// let ann = model.fold_in(&[(item("0"), 5.0), (item("1"), 4.5), (item("7"), 1.0)], &[]);
    /// let bob = model.fold_in(&[(item("0"), 4.5), (item("2"), 5.0), (item("8"), 1.5)], &[]);
    /// let picks = model.recommend_group(&[ann, bob], Strategy::Average, 3, |_| false, |_| 0);
    /// assert_eq!(picks.len(), 3);
    /// assert!(picks.iter().all(|p| p.predicted.len() == 2));
    /// assert!(picks[0].score >= picks[2].score);
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn recommend_group(
        &self,
        members: &[User],
        strategy: Strategy,
        n: usize,
        exclude: impl Fn(ItemIdx) -> bool,
        watchlisted: impl Fn(ItemIdx) -> u32,
    ) -> Vec<GroupPick<ItemIdx>> {
        if members.is_empty() || n == 0 {
            return Vec::new();
        }
        // Scored first in one reused buffer, then only the best kept with their predictions:
        // a catalog of tens of thousands of films, a handful of picks.
        let mut predicted: Vec<f32> = Vec::with_capacity(members.len());
        let mut scored: Vec<(f32, ItemIdx)> = (0..self.n_items() as u32)
            .map(ItemIdx::new)
            .filter(|&item| !exclude(item))
            .filter_map(|item| {
                predicted.clear();
                predicted.extend(members.iter().map(|m| self.predict(m, item)));
                let score =
                    strategy.score(&predicted)? + WATCHLIST_BOOST * watchlisted(item) as f32;
                Some((score, item))
            })
            .collect();
        // Equal scores go by item index, as `rank_group` keeps the candidates' order.
        best_first(&mut scored, n);
        scored
            .into_iter()
            .map(|(score, item)| GroupPick {
                item,
                score,
                predicted: members.iter().map(|m| self.predict(m, item)).collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_MISERY: Strategy = Strategy::NoMisery { threshold: 3.0 };

    fn items(picks: &[GroupPick<&'static str>]) -> Vec<&'static str> {
        picks.iter().map(|p| p.item).collect()
    }

    #[test]
    fn a_film_one_member_would_hate_is_never_a_pick_by_default_however_the_others_love_it() {
        let candidates = vec![
            ("everyone else's favourite", vec![5.0, 5.0, 5.0, 2.0], 0),
            ("fine for all", vec![3.6, 3.5, 3.4, 3.5], 0),
            ("good for all", vec![4.0, 3.9, 4.1, 3.2], 0),
        ];
        let picks = rank_group(candidates.clone(), NO_MISERY, 5);
        assert_eq!(items(&picks), ["good for all", "fine for all"]);
        // The plain average would have put it first: the strategy is what keeps it out.
        assert_eq!(
            rank_group(candidates, Strategy::Average, 1)[0].item,
            "everyone else's favourite"
        );
    }

    #[test]
    fn least_misery_orders_by_the_least_happy_member_and_average_by_the_mean() {
        let candidates = vec![
            ("split", vec![5.0, 2.5], 0),
            ("mild", vec![3.4, 3.3], 0),
            ("liked", vec![4.0, 3.0], 0),
        ];
        let least = rank_group(candidates.clone(), Strategy::LeastMisery, 3);
        assert_eq!(items(&least), ["mild", "liked", "split"]);
        assert_eq!(least[0].score, 3.3);
        let average = rank_group(candidates, Strategy::Average, 3);
        assert_eq!(items(&average), ["split", "liked", "mild"]);
        assert_eq!(average[0].score, 3.75);
        assert_eq!(average[0].predicted, [5.0, 2.5]);
    }

    #[test]
    fn a_watchlisted_film_is_lifted_by_each_member_who_listed_it_but_not_past_misery() {
        let candidates = vec![
            ("best", vec![4.0, 4.0], 0),
            ("listed", vec![3.8, 3.9], 1),
            ("listed by both", vec![3.7, 3.7], 2),
            ("hated but listed", vec![4.5, 2.0], 2),
        ];
        let picks = rank_group(candidates, NO_MISERY, 5);
        assert_eq!(items(&picks), ["listed by both", "listed", "best"]);
        assert!((picks[0].score - (3.7 + 2.0 * WATCHLIST_BOOST)).abs() < 1e-6);
        assert!((picks[1].score - (3.85 + WATCHLIST_BOOST)).abs() < 1e-6);
    }

    #[test]
    fn equal_scores_keep_the_candidates_order_and_n_bounds_the_list() {
        let candidates = vec![
            ("a", vec![4.0], 0),
            ("b", vec![4.0], 0),
            ("c", vec![4.0], 0),
        ];
        assert_eq!(
            items(&rank_group(candidates, Strategy::Average, 2)),
            ["a", "b"]
        );
        assert!(Strategy::Average.score(&[]).is_none());
        assert!(rank_group(Vec::<(&str, Vec<f32>, u32)>::new(), Strategy::Average, 3).is_empty());
    }

    #[test]
    fn the_default_threshold_sits_at_three_stars_on_any_scale() {
        assert_eq!(
            Strategy::no_misery(Scale::MOVIELENS),
            Strategy::NoMisery { threshold: 3.0 }
        );
        let ten = Strategy::no_misery(Scale {
            min: 1.0,
            max: 10.0,
        });
        assert_eq!(ten, Strategy::NoMisery { threshold: 6.0 });
    }
}
