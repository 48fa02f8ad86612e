//! Movie nights: a few members choosing one film together. A night is created with the
//! members to invite and its options; invited members join (by name, or anyone through the
//! invitation link); the picks score every film nobody has rated, seen or hidden by the
//! members' own predictions (see [`picks`]); the top films go to the vote, and the standings
//! count the members' rankings, vetoes out.

mod picks;
mod vote;

use std::collections::HashSet;

use crate::domain::{MovieId, NightId, NightStrategy, UserId, Username};
use crate::store;
use crate::store::Db;
use crate::store::nights::{Member, Night, NightOptions};

pub use picks::{GroupPick, GroupPicks, MemberView, picks};
pub use vote::{
    BALLOT_SIZE, BallotChoice, Results, Standing, ballot, ballot_beside, choices, results,
    standings, vote,
};

/// The most members a night may have, the creator included: a household or a few friends,
/// and a bound on the fold-ins one page of picks costs.
pub const MAX_MEMBERS: usize = 8;
/// The most genres a night may leave out.
const MAX_EXCLUDED_GENRES: usize = 30;
/// The longest a night's film may be, at most: a "maximum runtime" above it filters nothing.
const MAX_RUNTIME_MINUTES: i64 = 1_000;

/// Why a night request was refused.
#[derive(Debug, thiserror::Error)]
pub enum NightError {
    /// Bad input; the message names the field first (`members: …`).
    #[error("{0}")]
    Invalid(String),
    /// No such night, or the viewer is not a member (the same answer: nothing to see).
    #[error("There is no such movie night.")]
    NotFound,
    /// The vote was cast on other films than the ones put to the vote.
    #[error("{0}")]
    Changed(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// What a new night is made of, as given: names to invite, the strategy's key and the options.
#[derive(Debug, Clone, Default)]
pub struct NewNight {
    pub members: Vec<String>,
    pub strategy: Option<String>,
    pub exclude_genres: Vec<String>,
    pub max_runtime: Option<i64>,
    pub year_from: Option<i64>,
    pub year_to: Option<i64>,
    /// Only films in a member's media-server library.
    pub library_only: bool,
}

/// A night as a member sees it.
#[derive(Debug, Clone)]
pub struct NightView {
    pub night: Night,
    pub strategy: NightStrategy,
    pub members: Vec<Member>,
}

impl NightView {
    pub fn id(&self) -> NightId {
        self.night.id
    }

    /// The members who joined: whose tastes count and who vote.
    pub fn joined(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.joined)
    }

    /// The path of the invitation link.
    pub fn invite_path(&self) -> String {
        format!("/invite/{}", self.night.invite_token)
    }
}

/// Creates a night: `creator` as its first member, the named accounts invited. Refuses, naming
/// the field, unknown names, too many members, and options out of bounds.
#[tracing::instrument(skip_all, fields(user = creator.get()))]
pub async fn create(pool: &Db, creator: UserId, new: NewNight) -> Result<NightId, NightError> {
    let invalid = |message: String| Err(NightError::Invalid(message));
    let strategy = match new.strategy.as_deref() {
        None => NightStrategy::default(),
        Some(key) => {
            NightStrategy::parse(key).map_err(|e| NightError::Invalid(format!("strategy: {e}")))?
        }
    };
    let mut invited: Vec<UserId> = Vec::new();
    for name in &new.members {
        let unknown = || {
            let shown: String = name.trim().chars().take(40).collect();
            NightError::Invalid(format!("members: There is no account named '{shown}'."))
        };
        let username = Username::parse(name).map_err(|_| unknown())?;
        let Some(id) = store::users::id_by_name(pool, &username.lower()).await? else {
            return Err(unknown());
        };
        if id != creator && !invited.contains(&id) {
            invited.push(id);
        }
    }
    if invited.len() + 1 > MAX_MEMBERS {
        return invalid(format!(
            "members: A night has at most {MAX_MEMBERS} members, you included."
        ));
    }
    let options = check_options(new)?;
    let token = invite_token()?;
    Ok(store::nights::create(pool, creator, strategy.key(), &options, &invited, &token).await?)
}

/// The options of `new`, each within its bounds, or a message naming the field.
fn check_options(new: NewNight) -> Result<NightOptions, NightError> {
    let invalid = |message: &str| Err(NightError::Invalid(message.to_owned()));
    let mut genres: Vec<String> = Vec::new();
    for genre in new.exclude_genres {
        let genre = genre.trim().to_owned();
        if genre.is_empty() || genres.contains(&genre) {
            continue;
        }
        if genre.chars().count() > 50 {
            return invalid("exclude_genres: A genre name is at most 50 characters.");
        }
        genres.push(genre);
    }
    if genres.len() > MAX_EXCLUDED_GENRES {
        return invalid("exclude_genres: Leave out at most 30 genres.");
    }
    if let Some(minutes) = new.max_runtime
        && !(1..=MAX_RUNTIME_MINUTES).contains(&minutes)
    {
        return invalid("max_runtime: Give a number of minutes from 1 to 1000.");
    }
    for (field, year) in [("year_from", new.year_from), ("year_to", new.year_to)] {
        if let Some(year) = year
            && !crate::domain::is_film_year(year)
        {
            return Err(NightError::Invalid(format!(
                "{field}: Give a year from {} to {}.",
                crate::domain::FIRST_FILM_YEAR,
                crate::domain::LAST_FILM_YEAR
            )));
        }
    }
    if let (Some(from), Some(to)) = (new.year_from, new.year_to)
        && from > to
    {
        return invalid("year_to: The last year comes after the first.");
    }
    Ok(NightOptions {
        exclude_genres: genres,
        max_runtime: new.max_runtime,
        year_from: new.year_from,
        year_to: new.year_to,
        library_only: new.library_only,
    })
}

/// A fresh secret for an invitation link: 128 random bits.
fn invite_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Everything a night's page shows `viewer`: the night, up to `n` picks, and the voting form
/// with their vote so far.
#[derive(Debug, Clone)]
pub struct NightPage {
    pub night: NightView,
    pub picks: GroupPicks,
    pub ballot: Vec<BallotChoice>,
    pub voted: bool,
}

/// The night's page for `viewer`; [`NightError::NotFound`] unless they joined the night.
#[tracing::instrument(skip_all, fields(night = %id, user = viewer.get()))]
pub async fn page(
    pool: &Db,
    models: &crate::serving::ModelSlot,
    id: NightId,
    viewer: UserId,
    n: usize,
) -> Result<NightPage, NightError> {
    let night = view(pool, id, viewer).await?;
    let picks = picks(pool, models, &night, n).await?;
    let (ballot, voted) = choices(pool, &night, &picks, viewer).await?;
    Ok(NightPage {
        night,
        picks,
        ballot,
        voted,
    })
}

/// The night as `viewer` sees it; [`NightError::NotFound`] unless they joined it.
#[tracing::instrument(skip_all, fields(night = %id, user = viewer.get()))]
pub async fn view(pool: &Db, id: NightId, viewer: UserId) -> Result<NightView, NightError> {
    let view = load(pool, id).await?;
    if !view.joined().any(|m| m.user_id == viewer) {
        return Err(NightError::NotFound);
    }
    Ok(view)
}

async fn load(pool: &Db, id: NightId) -> Result<NightView, NightError> {
    let night = store::nights::find(pool, id)
        .await?
        .ok_or(NightError::NotFound)?;
    let strategy = NightStrategy::parse(&night.strategy)
        .map_err(|e| anyhow::anyhow!("stored strategy of night {id}: {e}"))?;
    let members = store::nights::members(pool, id).await?;
    Ok(NightView {
        night,
        strategy,
        members,
    })
}

/// An invited member accepts; a member who joined already stays. Anyone else: not found.
#[tracing::instrument(skip_all, fields(night = %id, user = user.get()))]
pub async fn join(pool: &Db, id: NightId, user: UserId) -> Result<(), NightError> {
    let view = load(pool, id).await?;
    if !view.members.iter().any(|m| m.user_id == user) {
        return Err(NightError::NotFound);
    }
    store::nights::join(pool, id, user).await?;
    Ok(())
}

/// The night an invitation link's `token` opens, with whether `user` joined it already;
/// not found for a token no night has.
pub async fn invitation(
    pool: &Db,
    token: &str,
    user: UserId,
) -> Result<(NightView, bool), NightError> {
    let night = store::nights::find_by_token(pool, token)
        .await?
        .ok_or(NightError::NotFound)?;
    let view = load(pool, night.id).await?;
    let joined = view.joined().any(|m| m.user_id == user);
    Ok((view, joined))
}

/// Accepts an invitation link: `user` becomes a joined member of its night, if the night has
/// room; returns the night.
#[tracing::instrument(skip_all, fields(user = user.get()))]
pub async fn join_by_link(pool: &Db, token: &str, user: UserId) -> Result<NightId, NightError> {
    let (view, _) = invitation(pool, token, user).await?;
    let member = view.members.iter().any(|m| m.user_id == user);
    if !member && view.members.len() >= MAX_MEMBERS {
        return Err(NightError::Invalid(format!(
            "members: This night has its {MAX_MEMBERS} members already."
        )));
    }
    store::nights::join(pool, view.id(), user).await?;
    Ok(view.id())
}

/// The films no joined member has rated, marked seen or hidden: what a night never offers.
pub(crate) fn exclusions(inputs: &[store::recommendations::PickInputs]) -> HashSet<MovieId> {
    let mut exclude = HashSet::new();
    for member in inputs {
        exclude.extend(member.ratings.iter().map(|&(movie, _)| movie));
        exclude.extend(&member.lists.seen);
        exclude.extend(&member.lists.hidden);
    }
    exclude
}
