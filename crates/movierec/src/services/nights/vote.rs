//! A night's vote: the top picks put to the vote (fixed at the first vote), each member's
//! ranking and vetoes, and the standings by Borda count.

use std::collections::{HashMap, HashSet};

use super::{GroupPicks, NightError, NightView, picks};
use crate::domain::{MovieId, UserId};
use crate::serving::ModelSlot;
use crate::store;
use crate::store::Db;
use crate::store::nights::{BallotFilm, Vote};
use crate::store::recommendations::MovieSummary;

/// How many of the picks go to the vote.
pub const BALLOT_SIZE: usize = 5;

/// The films put to the vote: the stored ballot once anyone voted, else the current top
/// picks (which the first vote fixes).
pub async fn ballot(
    pool: &Db,
    models: &ModelSlot,
    night: &NightView,
) -> Result<Vec<BallotFilm>, NightError> {
    let stored = store::nights::ballot(pool, night.id()).await?;
    if !stored.is_empty() {
        return Ok(stored);
    }
    Ok(proposed(&picks(pool, models, night, BALLOT_SIZE).await?))
}

/// [`ballot`] for a page that has the night's picks already (at least [`BALLOT_SIZE`] of
/// them when there are as many): no second computation of the picks.
pub async fn ballot_beside(
    pool: &Db,
    night: &NightView,
    current: &GroupPicks,
) -> Result<Vec<BallotFilm>, NightError> {
    let stored = store::nights::ballot(pool, night.id()).await?;
    Ok(if stored.is_empty() {
        proposed(current)
    } else {
        stored
    })
}

/// The first [`BALLOT_SIZE`] picks as a ballot.
fn proposed(current: &GroupPicks) -> Vec<BallotFilm> {
    current
        .items
        .iter()
        .take(BALLOT_SIZE)
        .filter_map(|pick| {
            Some(BallotFilm {
                movie_id: MovieId::new(pick.movie.id).ok()?,
                group_score: pick.group_score.map_or(0.0, f64::from),
            })
        })
        .collect()
}

/// Stores `voter`'s ranking (first choice first) and vetoes of the ballot's films, replacing
/// their earlier vote. `seen`, when given, is the ballot the voter was shown: a vote on other
/// films than the ones put to the vote is refused ([`NightError::Changed`]).
#[tracing::instrument(skip_all, fields(night = %night.id(), user = voter.get()))]
pub async fn vote(
    pool: &Db,
    models: &ModelSlot,
    night: &NightView,
    voter: UserId,
    ranking: &[MovieId],
    vetoes: &[MovieId],
    seen: Option<&[MovieId]>,
) -> Result<(), NightError> {
    let ballot = ballot(pool, models, night).await?;
    if ballot.is_empty() {
        return Err(NightError::Invalid(
            "ranking: There are no films to vote on yet.".to_owned(),
        ));
    }
    let changed = || {
        NightError::Changed(
            "The films put to the vote are not the ones you were shown; look at them again and vote."
                .to_owned(),
        )
    };
    let on_ballot: HashSet<MovieId> = ballot.iter().map(|f| f.movie_id).collect();
    if let Some(seen) = seen
        && seen.iter().copied().collect::<HashSet<_>>() != on_ballot
    {
        return Err(changed());
    }
    check_vote(&on_ballot, ranking, vetoes)?;
    match store::nights::vote(pool, night.id(), voter, &ballot, ranking, vetoes).await? {
        Some(_) => Ok(()),
        None => Err(changed()),
    }
}

/// A vote ranks and vetoes only films of the ballot, each once, and says something.
fn check_vote(
    on_ballot: &HashSet<MovieId>,
    ranking: &[MovieId],
    vetoes: &[MovieId],
) -> Result<(), NightError> {
    let invalid = |message: String| Err(NightError::Invalid(message));
    if ranking.is_empty() && vetoes.is_empty() {
        return invalid("ranking: Rank at least one film, or veto one.".to_owned());
    }
    let mut counted: HashSet<MovieId> = HashSet::new();
    for (field, films) in [("ranking", ranking), ("vetoes", vetoes)] {
        for movie in films {
            if !on_ballot.contains(movie) {
                return invalid(format!("{field}: Film {movie} is not one put to the vote."));
            }
            if !counted.insert(*movie) {
                return invalid(format!(
                    "{field}: Film {movie} is ranked or vetoed more than once."
                ));
            }
        }
    }
    Ok(())
}

/// One film of the voting form, with the voter's vote on it so far.
#[derive(Debug, Clone)]
pub struct BallotChoice {
    pub movie: MovieSummary,
    /// The voter's place for it (0 for none).
    pub place: i64,
    pub vetoed: bool,
}

/// The voting form of `voter`: the ballot beside the `current` picks, with their vote so far,
/// and whether they voted.
pub async fn choices(
    pool: &Db,
    night: &NightView,
    current: &GroupPicks,
    voter: UserId,
) -> Result<(Vec<BallotChoice>, bool), NightError> {
    let ballot = ballot_beside(pool, night, current).await?;
    let votes = store::nights::votes(pool, night.id()).await?;
    let mine: Vec<&Vote> = votes.iter().filter(|v| v.user_id == voter).collect();
    let ids: Vec<i64> = ballot.iter().map(|f| f.movie_id.get()).collect();
    let summaries: HashMap<i64, MovieSummary> = store::recommendations::summaries(pool, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let choices = ballot
        .iter()
        .filter_map(|film| {
            let vote = mine.iter().find(|v| v.movie_id == film.movie_id);
            Some(BallotChoice {
                movie: summaries.get(&film.movie_id.get())?.clone(),
                place: vote.and_then(|v| v.place).unwrap_or(0),
                vetoed: vote.is_some_and(|v| v.place.is_none()),
            })
        })
        .collect();
    Ok((choices, !mine.is_empty()))
}

/// One film's standing.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub movie_id: MovieId,
    /// Borda points: with `k` films on the ballot, a first place is worth `k − 1`, a last
    /// `0`; an unranked film gets nothing from that voter.
    pub points: u32,
    /// How many members vetoed it: one is enough to put it out.
    pub vetoes: u32,
    pub group_score: f64,
}

/// The ballot's films by Borda count over the members' rankings, best first; vetoed films
/// after every other, and equal points broken by the group score, then the ballot's order.
pub fn standings(ballot: &[BallotFilm], votes: &[Vote]) -> Vec<Standing> {
    let k = ballot.len() as i64;
    let mut by_film: HashMap<MovieId, (u32, u32)> = HashMap::new();
    for vote in votes {
        let entry = by_film.entry(vote.movie_id).or_default();
        match vote.place {
            Some(place) => entry.0 += u32::try_from((k - place).max(0)).unwrap_or(0),
            None => entry.1 += 1,
        }
    }
    let mut standings: Vec<(usize, Standing)> = ballot
        .iter()
        .enumerate()
        .map(|(order, film)| {
            let (points, vetoes) = by_film.get(&film.movie_id).copied().unwrap_or_default();
            (
                order,
                Standing {
                    movie_id: film.movie_id,
                    points,
                    vetoes,
                    group_score: film.group_score,
                },
            )
        })
        .collect();
    standings.sort_by(|(a_order, a), (b_order, b)| {
        (a.vetoes > 0)
            .cmp(&(b.vetoes > 0))
            .then(b.points.cmp(&a.points))
            .then(b.group_score.total_cmp(&a.group_score))
            .then(a_order.cmp(b_order))
    });
    standings.into_iter().map(|(_, s)| s).collect()
}

/// The vote so far, for the results page and the API.
#[derive(Debug, Clone)]
pub struct Results {
    /// Each film of the ballot with its title and standing, best first.
    pub standings: Vec<(MovieSummary, Standing)>,
    /// The best film no one vetoed, once anyone voted.
    pub winner: Option<MovieSummary>,
    /// Joined members who voted, and those yet to.
    pub voted: Vec<String>,
    pub waiting: Vec<String>,
}

impl Results {
    /// Every joined member voted: the winner is final.
    pub fn complete(&self) -> bool {
        self.waiting.is_empty() && !self.voted.is_empty()
    }
}

#[tracing::instrument(skip_all, fields(night = %night.id()))]
pub async fn results(pool: &Db, night: &NightView) -> Result<Results, NightError> {
    let ballot = store::nights::ballot(pool, night.id()).await?;
    let votes = store::nights::votes(pool, night.id()).await?;
    let ranked = standings(&ballot, &votes);
    let ids: Vec<i64> = ranked.iter().map(|s| s.movie_id.get()).collect();
    let summaries: HashMap<i64, MovieSummary> = store::recommendations::summaries(pool, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let voters: HashSet<UserId> = votes.iter().map(|v| v.user_id).collect();
    let (voted, waiting): (Vec<_>, Vec<_>) = night
        .joined()
        .partition(|member| voters.contains(&member.user_id));
    let standings: Vec<(MovieSummary, Standing)> = ranked
        .into_iter()
        .filter_map(|s| Some((summaries.get(&s.movie_id.get())?.clone(), s)))
        .collect();
    let winner = standings
        .first()
        .filter(|(_, s)| s.vetoes == 0 && !voters.is_empty())
        .map(|(movie, _)| movie.clone());
    Ok(Results {
        standings,
        winner,
        voted: voted.into_iter().map(|m| m.username.clone()).collect(),
        waiting: waiting.into_iter().map(|m| m.username.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movie(id: i64) -> MovieId {
        MovieId::new(id).unwrap()
    }

    fn ballot(scores: &[(i64, f64)]) -> Vec<BallotFilm> {
        scores
            .iter()
            .map(|&(id, group_score)| BallotFilm {
                movie_id: movie(id),
                group_score,
            })
            .collect()
    }

    fn ranks(user: i64, films: &[i64], vetoes: &[i64]) -> Vec<Vote> {
        let user = UserId::new(user);
        films
            .iter()
            .zip(1..)
            .map(|(&id, place)| Vote {
                user_id: user,
                movie_id: movie(id),
                place: Some(place),
            })
            .chain(vetoes.iter().map(|&id| Vote {
                user_id: user,
                movie_id: movie(id),
                place: None,
            }))
            .collect()
    }

    fn order(standings: &[Standing]) -> Vec<i64> {
        standings.iter().map(|s| s.movie_id.get()).collect()
    }

    #[test]
    fn borda_points_decide_and_a_veto_puts_a_film_last() {
        let ballot = ballot(&[(1, 4.5), (2, 4.4), (3, 4.3), (4, 4.2), (5, 4.1)]);
        let mut votes = ranks(1, &[3, 1, 2], &[]);
        votes.extend(ranks(2, &[3, 2, 1, 4, 5], &[]));
        votes.extend(ranks(3, &[1, 3], &[2]));
        let standings = standings(&ballot, &votes);
        // 3: 4 + 4 + 3 = 11; 1: 3 + 2 + 4 = 9; 4: 1; 5: 0; 2 vetoed (2 + 3 points).
        assert_eq!(order(&standings), [3, 1, 4, 5, 2]);
        assert_eq!(standings[0].points, 11);
        assert_eq!(standings[1].points, 9);
        assert_eq!((standings[4].points, standings[4].vetoes), (5, 1));
    }

    #[test]
    fn equal_points_go_to_the_better_group_score() {
        let ballot = ballot(&[(1, 3.9), (2, 4.4), (3, 4.0)]);
        let mut votes = ranks(1, &[1, 2], &[]);
        votes.extend(ranks(2, &[2, 1], &[]));
        assert_eq!(order(&standings(&ballot, &votes)), [2, 1, 3]);
        // No votes: the group score's order.
        assert_eq!(order(&standings(&ballot, &[])), [2, 3, 1]);
    }

    #[test]
    fn a_vote_must_name_films_of_the_ballot_once() {
        let on_ballot: HashSet<MovieId> = [1, 2, 3].into_iter().map(movie).collect();
        assert!(check_vote(&on_ballot, &[movie(1), movie(2)], &[movie(3)]).is_ok());
        let message = |r: Result<(), NightError>| r.unwrap_err().to_string();
        assert!(message(check_vote(&on_ballot, &[], &[])).starts_with("ranking:"));
        assert!(message(check_vote(&on_ballot, &[movie(9)], &[])).contains("Film 9"));
        assert!(message(check_vote(&on_ballot, &[movie(1)], &[movie(1)])).starts_with("vetoes:"));
        assert!(
            message(check_vote(&on_ballot, &[movie(2), movie(2)], &[])).contains("more than once")
        );
    }
}
