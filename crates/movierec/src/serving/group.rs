//! Pure ranking for a group over the serving model: each member folded in exactly as for
//! their own picks, the films scored by the engine's group strategy, and each member's
//! prediction and reason kept beside every pick.

use std::collections::{HashMap, HashSet};

use movierec_engine::{ItemIdx, Reason, Strategy};

use super::rank::{MIN_RATINGS, engine_ratings, known_ratings};
use super::slot::ServingModel;
use crate::domain::{MovieId, Stars};

/// One member's taste as the store hands it over: their ratings and the films they marked
/// as seen without rating.
#[derive(Debug, Clone, Copy)]
pub struct MemberTaste<'a> {
    pub ratings: &'a [(MovieId, Stars)],
    pub seen: &'a [MovieId],
}

/// What one member is predicted to think of a group pick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberPick {
    /// Their predicted rating: the stars their own recommendations and movie pages show.
    pub predicted: f32,
    /// The liked film the engine names as the reason, with their rating of it; `None` when
    /// the pick follows their taste as a whole.
    pub because: Option<(MovieId, Stars)>,
}

/// One film for the group, before titles are looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupModelPick {
    pub movie_id: MovieId,
    /// The strategy's score with the watchlist boosts: what the picks are ordered by.
    pub score: f32,
    /// Per member, in the order given: `None` for a member the model cannot read yet (fewer
    /// than [`MIN_RATINGS`] ratings it knows), who is left out of the score.
    pub members: Vec<Option<MemberPick>>,
}

/// A group's picks, and which members the model could read (in the order given): the others
/// are left out of the score.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRanking {
    pub picks: Vec<GroupModelPick>,
    pub read: Vec<bool>,
}

/// The `n` best films for a group by `strategy`, leaving out `exclude`, every member's rated
/// and seen films, and, when `allowed` is given, every film not in it; `watchlisted` counts
/// the members who put a film on their watchlist. `None` when the model can read none of
/// the members.
pub fn group_rank(
    serving: &ServingModel,
    members: &[MemberTaste<'_>],
    strategy: Strategy,
    exclude: &HashSet<MovieId>,
    allowed: Option<&HashSet<MovieId>>,
    watchlisted: &HashMap<MovieId, u32>,
    n: usize,
) -> Option<GroupRanking> {
    let model = &serving.model;
    let mut skip = vec![allowed.is_some(); model.n_items()];
    for item in allowed
        .into_iter()
        .flatten()
        .filter_map(|&m| serving.item(m))
    {
        skip[item.index()] = false;
    }
    for item in exclude.iter().filter_map(|&m| serving.item(m)) {
        skip[item.index()] = true;
    }
    // Each member as their own recommendations fold them in: ratings and seen films. The
    // members the model can read are scored; each slot points at its member's user.
    let mut users: Vec<movierec_engine::User> = Vec::with_capacity(members.len());
    let slots: Vec<Option<(usize, HashMap<ItemIdx, Stars>)>> = members
        .iter()
        .map(|member| {
            let known = known_ratings(serving, member.ratings);
            let seen: Vec<ItemIdx> = member
                .seen
                .iter()
                .filter_map(|&m| serving.item(m))
                .collect();
            for item in known
                .iter()
                .map(|&(item, _)| item)
                .chain(seen.iter().copied())
            {
                skip[item.index()] = true;
            }
            (known.len() >= MIN_RATINGS).then(|| {
                users.push(model.fold_in(&engine_ratings(&known), &seen));
                (users.len() - 1, known.into_iter().collect())
            })
        })
        .collect();
    if users.is_empty() {
        return None;
    }
    let mut listed = vec![0u32; model.n_items()];
    for (&movie, &count) in watchlisted {
        if let Some(item) = serving.item(movie) {
            listed[item.index()] = count;
        }
    }
    let picks = model.recommend_group(
        &users,
        strategy,
        n,
        |item| skip[item.index()],
        |item| listed[item.index()],
    );
    let items: Vec<ItemIdx> = picks.iter().map(|p| p.item).collect();
    // Each member's reasons for all the picks, in one call per member.
    let reasons: Vec<Vec<Reason>> = users
        .iter()
        .map(|user| model.explain(user, &items))
        .collect();
    let read = slots.iter().map(Option::is_some).collect();
    let picks = picks
        .into_iter()
        .enumerate()
        .map(|(at, pick)| {
            let members = slots
                .iter()
                .map(|slot| {
                    let (user, stars_of) = slot.as_ref()?;
                    let because = match reasons[*user][at] {
                        Reason::Because { item, .. } => stars_of
                            .get(&item)
                            .map(|&stars| (serving.movie_id(item), stars)),
                        Reason::Taste => None,
                    };
                    Some(MemberPick {
                        predicted: pick.predicted[*user],
                        because,
                    })
                })
                .collect();
            GroupModelPick {
                movie_id: serving.movie_id(pick.item),
                score: pick.score,
                members,
            }
        })
        .collect();
    Some(GroupRanking { picks, read })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use crate::serving::predicted_rating;
    use crate::serving::slot::STAR_SCALE;
    use crate::serving::test_support::{movie, rated};

    /// Users 1–6 love movies 1–10 and hate 11–20; users 7–12 the reverse; 21–30 everyone
    /// finds fine.
    fn model() -> ServingModel {
        let mut records = Vec::new();
        for user in 1..=12 {
            for movie in 1..=30 {
                if (movie + user) % 4 == 0 {
                    continue;
                }
                let stars = match movie {
                    21.. => 3.5,
                    _ if (movie <= 10) == (user <= 6) => 5.0,
                    _ => 1.0,
                };
                records.push((UserId::new(user), self::movie(movie), stars));
            }
        }
        let data = movierec_engine::Dataset::from_typed_records(records, STAR_SCALE);
        let params = movierec_engine::Params::default()
            .with_factors(4)
            .with_epochs(60)
            .with_popularity_weight(0.0);
        ServingModel::new(1, movierec_engine::fit(&data, &params).unwrap())
    }

    #[test]
    fn opposite_tastes_get_what_neither_hates_and_each_their_own_predictions() {
        let serving = model();
        let horror = rated(&[(1, 5.0), (2, 5.0), (11, 1.0), (12, 1.0)]);
        let comedy = rated(&[(1, 1.0), (3, 1.0), (11, 5.0), (13, 5.0)]);
        let seen = [movie(21)];
        let members = [
            MemberTaste {
                ratings: &horror,
                seen: &seen,
            },
            MemberTaste {
                ratings: &comedy,
                seen: &[],
            },
        ];
        let strategy = Strategy::no_misery(STAR_SCALE);
        let none = HashMap::new();
        let ranking = group_rank(
            &serving,
            &members,
            strategy,
            &HashSet::new(),
            None,
            &none,
            5,
        )
        .expect("both members can be read");
        assert_eq!(ranking.read, [true, true]);
        let picks = ranking.picks;
        assert!(!picks.is_empty());
        for pick in &picks {
            let id = pick.movie_id.get();
            // Neither member's rated or seen films, and nothing one of them hates.
            assert!(![1, 2, 3, 11, 12, 13, 21].contains(&id), "{pick:?}");
            assert!(id > 20, "a film both find fine: {pick:?}");
            // Each member's stars are their own prediction.
            let own = predicted_rating(&serving, &horror, pick.movie_id).unwrap();
            assert_eq!(pick.members[0].unwrap().predicted, own);
            let own = predicted_rating(&serving, &comedy, pick.movie_id).unwrap();
            assert_eq!(pick.members[1].unwrap().predicted, own);
        }
        // The plain average lets one member's hated film through when the other loves it.
        let averaged = group_rank(
            &serving,
            &members[..1],
            Strategy::Average,
            &HashSet::new(),
            None,
            &none,
            3,
        )
        .unwrap()
        .picks;
        assert!(
            averaged.iter().all(|p| p.movie_id.get() <= 10),
            "{averaged:?}"
        );
    }

    #[test]
    fn options_and_exclusions_bound_the_candidates_and_unreadable_members_are_left_out() {
        let serving = model();
        let horror = rated(&[(1, 5.0), (2, 5.0), (11, 1.0), (12, 1.0)]);
        let newcomer = rated(&[(5, 4.0)]);
        let members = [
            MemberTaste {
                ratings: &horror,
                seen: &[],
            },
            MemberTaste {
                ratings: &newcomer,
                seen: &[],
            },
        ];
        let allowed: HashSet<MovieId> = [3, 4, 6, 7, 25].into_iter().map(movie).collect();
        let exclude: HashSet<MovieId> = [movie(3)].into();
        let ranking = group_rank(
            &serving,
            &members,
            Strategy::Average,
            &exclude,
            Some(&allowed),
            &HashMap::new(),
            10,
        )
        .unwrap();
        assert_eq!(ranking.read, [true, false]);
        let picks = ranking.picks;
        let ids: HashSet<i64> = picks.iter().map(|p| p.movie_id.get()).collect();
        assert_eq!(ids, [4, 6, 7, 25].into(), "{picks:?}");
        assert!(
            picks
                .iter()
                .all(|p| p.members[1].is_none() && p.members[0].is_some())
        );
        let nobody = [MemberTaste {
            ratings: &newcomer,
            seen: &[],
        }];
        let none = HashMap::new();
        let strategy = Strategy::Average;
        assert!(group_rank(&serving, &nobody, strategy, &exclude, None, &none, 5).is_none());
    }
}
