//! A night's picks: every joined member folded in as for their own recommendations, the
//! films scored by the night's strategy (the engine's), each member's stars and reason
//! beside every pick; or, without a model or anyone it can read, the best rated well-known
//! films, labelled as such.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::{NightError, NightView, exclusions};
use crate::domain::{MovieId, NightStrategy, Stars};
use crate::services::recommendations::{Source, best_rated_fallback};
use crate::serving::{self, GroupModelPick, MemberTaste, ModelSlot, STAR_SCALE};
use crate::store;
use crate::store::Db;
use crate::store::recommendations::{MovieSummary, PickInputs};

/// One member's view of a pick.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub name: String,
    /// Their predicted rating (the stars their own recommendations show); `None` from the
    /// fallback or for a member the model cannot read yet.
    pub predicted: Option<f32>,
    /// Why the pick suits them, by the engine's explanation.
    pub reason: Option<String>,
}

/// One film for the night.
#[derive(Debug, Clone)]
pub struct GroupPick {
    pub movie: MovieSummary,
    /// The strategy's score with the watchlist boosts; `None` from the fallback.
    pub group_score: Option<f32>,
    /// Each joined member, in the night's order.
    pub members: Vec<MemberView>,
}

/// A night's picks and where they come from.
#[derive(Debug, Clone)]
pub struct GroupPicks {
    pub source: Source,
    /// What the page says about the picks: why the fallback serves, or who is left out of
    /// the score; `None` when every joined member counts.
    pub note: Option<String>,
    pub items: Vec<GroupPick>,
}

/// The engine's strategy for a night's.
fn engine_strategy(strategy: NightStrategy) -> movierec_engine::Strategy {
    match strategy {
        NightStrategy::NoMisery => movierec_engine::Strategy::no_misery(STAR_SCALE),
        NightStrategy::LeastMisery => movierec_engine::Strategy::LeastMisery,
        NightStrategy::Average => movierec_engine::Strategy::Average,
    }
}

/// Up to `n` picks for the night's joined members.
#[tracing::instrument(skip_all, fields(night = %night.id(), n))]
pub async fn picks(
    pool: &Db,
    models: &ModelSlot,
    night: &NightView,
    n: usize,
) -> Result<GroupPicks, NightError> {
    let members: Vec<&store::nights::Member> = night.joined().collect();
    let mut inputs: Vec<PickInputs> = Vec::with_capacity(members.len());
    for member in &members {
        inputs.push(store::recommendations::pick_inputs(pool, member.user_id).await?);
    }
    let exclude = exclusions(&inputs);
    let allowed = store::nights::allowed_movies(pool, night.night.id, &night.night.options).await?;
    let mut watchlisted: HashMap<MovieId, u32> = HashMap::new();
    for member in &inputs {
        for &movie in &member.lists.watchlist {
            *watchlisted.entry(movie).or_default() += 1;
        }
    }
    let names: Vec<String> = members.iter().map(|m| m.username.clone()).collect();
    let (ranked, exclude, allowed) = match models.current() {
        Some(serving) => {
            let strategy = engine_strategy(night.strategy);
            models
                .turn()
                .await
                .run(move || {
                    let tastes: Vec<MemberTaste<'_>> = inputs
                        .iter()
                        .map(|i| MemberTaste {
                            ratings: &i.ratings,
                            seen: &i.lists.seen,
                        })
                        .collect();
                    let ranked = serving::group_rank(
                        &serving,
                        &tastes,
                        strategy,
                        &exclude,
                        allowed.as_ref(),
                        &watchlisted,
                        n,
                    );
                    (ranked, exclude, allowed)
                })
                .await
        }
        None => (None, exclude, allowed),
    };
    match ranked {
        Some(ranked) => {
            let unread: Vec<&str> = names
                .iter()
                .zip(&ranked.read)
                .filter(|(_, read)| !**read)
                .map(|(name, _)| name.as_str())
                .collect();
            let note = (!unread.is_empty()).then(|| {
                format!(
                    "{} rated too few films for predictions yet: the picks follow the others' tastes.",
                    unread.join(", ")
                )
            });
            Ok(GroupPicks {
                source: Source::Model,
                note,
                items: with_titles(pool, ranked.picks, &names).await?,
            })
        }
        None => {
            let note = if models.current().is_none() {
                "No model has been trained yet: these are the best rated well-known films nobody here has rated, seen or hidden."
            } else {
                "Nobody here has rated enough films for predictions yet: these are the best rated well-known films none of you has rated, seen or hidden."
            };
            let found = best_rated_fallback(pool, &exclude, allowed.as_ref(), n).await?;
            Ok(GroupPicks {
                source: Source::Fallback,
                note: Some(note.to_owned()),
                items: found
                    .into_iter()
                    .map(|movie| GroupPick {
                        movie,
                        group_score: None,
                        members: names
                            .iter()
                            .map(|name| MemberView {
                                name: name.clone(),
                                predicted: None,
                                reason: None,
                            })
                            .collect(),
                    })
                    .collect(),
            })
        }
    }
}

/// The picks with titles and each member's reason: the liked film behind the pick for them,
/// or their taste as a whole.
async fn with_titles(
    pool: &Db,
    ranked: Vec<GroupModelPick>,
    names: &[String],
) -> Result<Vec<GroupPick>, NightError> {
    let mut ids: HashSet<i64> = ranked.iter().map(|p| p.movie_id.get()).collect();
    for pick in &ranked {
        ids.extend(
            pick.members
                .iter()
                .flatten()
                .filter_map(|m| m.because.map(|(movie, _)| movie.get())),
        );
    }
    let ids: Vec<i64> = ids.into_iter().collect();
    let summaries: HashMap<i64, MovieSummary> = store::recommendations::summaries(pool, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let reason = |name: &str, because: Option<(MovieId, Stars)>| match because
        .and_then(|(movie, stars)| Some((summaries.get(&movie.get())?, stars)))
    {
        Some((liked, stars)) => format!("Because {name} rated {} {stars}★", liked.title),
        None => format!("Close to {name}'s taste as a whole"),
    };
    Ok(ranked
        .iter()
        .filter_map(|pick| {
            let movie = summaries.get(&pick.movie_id.get())?.clone();
            let members = names
                .iter()
                .zip(&pick.members)
                .map(|(name, member)| MemberView {
                    name: name.clone(),
                    predicted: member.map(|m| m.predicted),
                    reason: member.map(|m| reason(name, m.because)),
                })
                .collect();
            Some(GroupPick {
                movie,
                group_score: Some(pick.score),
                members,
            })
        })
        .collect())
}
