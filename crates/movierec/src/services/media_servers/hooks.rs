//! A user's webhook receivers: a secret token in the URL names the user, the payload says
//! what happened to which film, and the film's seen mark or rating follows. Matching is the
//! history upload's ([`history::find_film`]); a film the catalog does not know is kept as
//! pending, listed on the account page.

use crate::domain::{MovieId, UserId, check_title_length};
use crate::importers::history::{Entry, HistoryRecord};
use crate::importers::media::{self, Action, MediaEvent, Parsed, Server};
use crate::providers::Providers;
use crate::services::{any_movie, history, rating};
use crate::store::details::AddedMovie;
use crate::store::media_hooks::{self as store, HookOptions, NewEvent};
use crate::store::throttle::{self, Reservation};
use crate::store::{self as db, Db};

/// Events one token may send per [`WINDOW_SECS`]: far above what people watch, far below
/// what would make the site busy.
pub(crate) const EVENTS_PER_WINDOW: i64 = 120;
pub(crate) const WINDOW_SECS: i64 = 60;
/// Random bytes of a token (hex-encoded in the URL).
const TOKEN_BYTES: usize = 24;

/// Why a webhook was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HookError {
    /// No user has this token (or it was replaced).
    #[error("no such webhook")]
    UnknownToken,
    /// The body is not what the server sends.
    #[error("{0}")]
    Malformed(String),
    /// Past [`EVENTS_PER_WINDOW`]; try again in `retry_after` seconds.
    #[error("too many events; try again in {retry_after} s")]
    TooMany { retry_after: i64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for HookError {
    fn from(e: sqlx::Error) -> Self {
        HookError::Internal(e.into())
    }
}

/// What a webhook did, and the film it added to the catalog, if it did (for the search
/// index to take in).
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) received: Received,
    pub(crate) added: Option<AddedMovie>,
}

impl From<Received> for Outcome {
    fn from(received: Received) -> Self {
        Outcome {
            received,
            added: None,
        }
    }
}

/// What a webhook did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Received {
    /// The film's seen mark or rating changed.
    Applied { movie_id: i64 },
    /// Already so: the same event again.
    Unchanged,
    /// A film the catalog does not know, kept for the user to match.
    Pending,
    /// Not about a film, or not this user's.
    Ignored(&'static str),
}

/// The user's token, made on first use.
pub(crate) async fn token(pool: &Db, user_id: UserId) -> anyhow::Result<String> {
    Ok(settings(pool, user_id).await?.0)
}

/// The user's token (made on first use) and options, in one read.
async fn settings(pool: &Db, user_id: UserId) -> anyhow::Result<(String, HookOptions)> {
    match store::settings(pool, user_id).await? {
        Some(settings) => Ok(settings),
        None => Ok((regenerate(pool, user_id).await?, HookOptions::default())),
    }
}

/// Events read for the account page: the latest, and every pending one among them.
const LISTED_EVENTS: i64 = 200;

/// The user's token, which events they take, and their latest events, newest first.
pub(crate) async fn connections(
    pool: &Db,
    user_id: UserId,
) -> anyhow::Result<(String, HookOptions, Vec<store::LoggedEvent>)> {
    let (token, options) = settings(pool, user_id).await?;
    Ok((
        token,
        options,
        store::recent(pool, user_id, LISTED_EVENTS).await?,
    ))
}

/// Longest media-server account name kept: servers' user names are far shorter.
const MAX_ACCOUNT_CHARS: usize = 100;

/// Why options were refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OptionsError {
    #[error("account: at most {MAX_ACCOUNT_CHARS} characters")]
    AccountTooLong,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Sets which events the user takes: `shared_users` (Plex's shared users' plays) and
/// `account`, the one account of the media server whose events count (blank: every account).
#[tracing::instrument(skip_all, fields(user = user_id.get()))]
pub(crate) async fn set_options(
    pool: &Db,
    user_id: UserId,
    shared_users: bool,
    account: &str,
) -> Result<(), OptionsError> {
    let account = account.trim();
    if account.chars().count() > MAX_ACCOUNT_CHARS {
        return Err(OptionsError::AccountTooLong);
    }
    // The row comes with the token: made here if the user never opened the section.
    token(pool, user_id).await?;
    let options = HookOptions {
        shared_users,
        account: (!account.is_empty()).then(|| account.to_owned()),
    };
    store::set_options(pool, user_id, &options)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(())
}

/// Whether an event's account is the one the user takes: names compared as people type
/// them, ignoring case and surrounding spaces. An event that names no account cannot be
/// told to be theirs.
fn is_account(event: &MediaEvent, wanted: Option<&str>) -> bool {
    let Some(wanted) = wanted else {
        return true;
    };
    event
        .account
        .as_deref()
        .is_some_and(|name| name.trim().to_lowercase() == wanted.trim().to_lowercase())
}

/// A new token for the user; the old URLs stop working at once.
#[tracing::instrument(skip_all, fields(user = user_id.get()))]
pub(crate) async fn regenerate(pool: &Db, user_id: UserId) -> anyhow::Result<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    store::set_token(pool, user_id, &token, db::now()).await?;
    Ok(token)
}

/// The path of a user's receiver for `server`.
pub(crate) fn path(server: Server, token: &str) -> String {
    format!("/hooks/{}/{token}", server.as_str())
}

/// Takes one webhook of `server` (its JSON, out of any form wrapping) for the user whose
/// token it is. A film the catalog does not know is added by its ids when a provider that
/// knows them has a key, else kept as pending.
#[tracing::instrument(skip_all, fields(server = server.as_str(), user))]
pub(crate) async fn receive(
    pool: &Db,
    providers: &Providers,
    server: Server,
    token: &str,
    json: &[u8],
) -> Result<Outcome, HookError> {
    let Some((user_id, options)) = store::owner(pool, token).await? else {
        return Err(HookError::UnknownToken);
    };
    tracing::Span::current().record("user", user_id.get());
    let now = db::now();
    let bucket = vec![(format!("hook:{}", user_id.get()), EVENTS_PER_WINDOW)];
    if let Reservation::Refused { window_start } =
        throttle::reserve(pool, &bucket, now, WINDOW_SECS).await?
    {
        return Err(HookError::TooMany {
            retry_after: (window_start + WINDOW_SECS - now).max(1),
        });
    }
    let event = match media::parse(server, json) {
        Ok(Parsed::Event(event)) => event,
        Ok(Parsed::Ignored(why)) => return Ok(Received::Ignored(why).into()),
        Err(e) => return Err(HookError::Malformed(e.0)),
    };
    if event.shared_user && !options.shared_users {
        return Ok(Received::Ignored("a shared user's event").into());
    }
    if !is_account(&event, options.account.as_deref()) {
        return Ok(Received::Ignored("another account's event").into());
    }
    let record = record(server, &event, now);
    let mut conn = pool.acquire().await?;
    let found = history::find_film(&mut conn, user_id, &record)
        .await
        .map_err(|e| HookError::Internal(e.into()))?;
    let logged = |movie_id: Option<i64>| NewEvent {
        server: server.as_str(),
        action: action_name(event.action),
        movie_id,
        rating: match event.action {
            Action::Rated(Some(stars)) => Some(stars.value()),
            _ => None,
        },
        title: event.film.title.as_deref(),
        year: event.film.year.map(i64::from),
        imdb_id: event.film.imdb_id.map(|i| i.to_string()),
        tmdb_id: event.film.tmdb_id.map(i64::from),
    };
    let takes_film = !matches!(
        event.action,
        Action::Unseen | Action::Liked(false) | Action::Rated(None)
    );
    let (found, added) = match found {
        Some(id) => (Some(id), None),
        None if takes_film => {
            drop(conn);
            let added = add_by_ids(pool, providers, &event.film).await;
            conn = pool.acquire().await?;
            match added {
                Some(added) => (Some(added.id.get()), added.new),
                None => (None, None),
            }
        }
        None => (None, None),
    };
    let Some(movie_id) = found else {
        if !takes_film {
            return Ok(Received::Ignored("a film the catalog does not know").into());
        }
        let pending = logged(None);
        if store::is_pending(&mut conn, user_id, &pending).await? {
            return Ok(Received::Unchanged.into());
        }
        store::log(&mut conn, user_id, &pending, now).await?;
        return Ok(Received::Pending.into());
    };
    drop(conn);
    let changed = apply(pool, user_id, movie_id, event.action, now).await?;
    if !changed {
        return Ok(Outcome {
            received: Received::Unchanged,
            added,
        });
    }
    let mut conn = pool.acquire().await?;
    store::log(&mut conn, user_id, &logged(Some(movie_id)), now).await?;
    Ok(Outcome {
        received: Received::Applied { movie_id },
        added,
    })
}

/// The catalog's film for ids it does not hold yet, added from TMDB (by TMDB id) or OMDb
/// (by IMDb id) when that provider has a key. A provider that is down or does not know the
/// film leaves it pending: the webhook is still taken.
async fn add_by_ids(
    pool: &Db,
    providers: &Providers,
    film: &media::MediaFilm,
) -> Option<any_movie::Added> {
    let asks = [
        film.tmdb_id
            .filter(|_| providers.tmdb.is_some())
            .map(|id| (any_movie::Source::Tmdb, id.to_string())),
        film.imdb_id
            .filter(|_| providers.omdb.is_some())
            .map(|id| (any_movie::Source::Omdb, id.to_string())),
    ];
    for (source, id) in asks.into_iter().flatten() {
        match any_movie::add(pool, providers, source, &id).await {
            Ok(added) => return Some(added),
            Err(e) => tracing::info!(source = source.as_str(), %id, error = %e, "film not added"),
        }
    }
    None
}

/// Changes the user's seen mark or rating of a film as the event says; whether it changed.
async fn apply(
    pool: &Db,
    user_id: UserId,
    movie_id: i64,
    action: Action,
    now: i64,
) -> Result<bool, HookError> {
    let movie = MovieId::new(movie_id).map_err(|e| anyhow::anyhow!(e))?;
    let mut conn = pool.acquire().await?;
    Ok(match action {
        // A like says the film was watched; it is not a number of stars.
        Action::Seen { at } => {
            db::history::mark_seen(&mut conn, user_id, movie_id, at, now).await?
        }
        Action::Liked(true) => {
            db::history::mark_seen(&mut conn, user_id, movie_id, None, now).await?
        }
        Action::Liked(false) => false,
        Action::Unseen => store::unmark_seen(&mut conn, user_id, movie_id).await?,
        Action::Rated(Some(stars)) => {
            drop(conn);
            let before = db::ratings::find(pool, user_id, movie).await?;
            if before == Some(stars) {
                return Ok(false);
            }
            rating::rate(pool, user_id, movie, stars).await?.is_some()
        }
        Action::Rated(None) => {
            drop(conn);
            if db::ratings::find(pool, user_id, movie).await?.is_none() {
                return Ok(false);
            }
            rating::unrate(pool, user_id, movie).await?.is_some()
        }
    })
}

/// The event's film as a history row, so it is matched as a file's row is.
fn record(server: Server, event: &MediaEvent, now: i64) -> HistoryRecord {
    let entry = match event.action {
        Action::Rated(Some(stars)) => Entry::Rated(stars),
        _ => Entry::Seen,
    };
    let title = event
        .film
        .title
        .clone()
        .filter(|t| check_title_length("title", t).is_ok())
        .unwrap_or_default();
    HistoryRecord {
        file: server.name().to_owned(),
        line: 0,
        entry,
        title,
        original_title: None,
        year: event.film.year,
        imdb_id: event.film.imdb_id,
        tmdb_id: event.film.tmdb_id,
        date: match event.action {
            Action::Seen { at } => at.or(Some(now)),
            _ => Some(now),
        },
    }
}

/// The activity log's word for an action.
fn action_name(action: Action) -> &'static str {
    match action {
        Action::Seen { .. } => "seen",
        Action::Unseen => "unseen",
        Action::Liked(true) => "liked",
        Action::Liked(false) => "unliked",
        Action::Rated(Some(_)) => "rated",
        Action::Rated(None) => "unrated",
    }
}

/// A film a media server named that the catalog did not know, with the films it may be.
#[derive(Debug, Clone)]
pub(crate) struct PendingMatch {
    pub(crate) event: store::LoggedEvent,
    /// The search's candidates, best first; or why the search could not run.
    pub(crate) candidates: Result<Vec<crate::store::movie_search::Hit>, String>,
}

/// Why a pending film was not matched; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MatchError {
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for MatchError {
    fn from(e: sqlx::Error) -> Self {
        MatchError::Internal(e.into())
    }
}

impl From<history::HistoryError> for MatchError {
    fn from(e: history::HistoryError) -> Self {
        match e {
            history::HistoryError::NotFound(message) => MatchError::NotFound(message),
            other => MatchError::Internal(other.into()),
        }
    }
}

fn no_such_pending() -> MatchError {
    MatchError::NotFound("There is no such film waiting for a match.".into())
}

/// A pending film of the user's and the catalog's films it may be: searched by `q`, or by
/// the title the server gave.
pub(crate) async fn pending_match(
    pool: &Db,
    search: &crate::search::index::IndexCache,
    user_id: UserId,
    id: i64,
    q: Option<&str>,
) -> Result<PendingMatch, MatchError> {
    let event = store::pending_event(pool, user_id, id)
        .await?
        .ok_or_else(no_such_pending)?;
    let q = q
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .or(event.title.as_deref())
        .unwrap_or_default()
        .to_owned();
    let year = event.year.and_then(|y| u16::try_from(y).ok());
    let candidates = history::find_candidates(pool, search, &q, year).await?;
    Ok(PendingMatch { event, candidates })
}

/// Matches a pending film to `movie_id`: what the server said (seen, liked, rated) is applied
/// as if the event had named that film, every pending event of the same title goes with it,
/// and the title is remembered for the next event and the next upload.
#[tracing::instrument(skip(pool), fields(user = user_id.get()))]
pub(crate) async fn match_pending(
    pool: &Db,
    user_id: UserId,
    id: i64,
    movie_id: i64,
) -> Result<(), MatchError> {
    let event = store::pending_event(pool, user_id, id)
        .await?
        .ok_or_else(no_such_pending)?;
    let action = match (event.action.as_str(), event.rating) {
        ("rated", Some(value)) => Action::Rated(Some(
            crate::domain::Stars::from_f64(value).map_err(|e| anyhow::anyhow!(e))?,
        )),
        ("liked", _) => Action::Liked(true),
        _ => Action::Seen {
            at: Some(event.created_at),
        },
    };
    let title = event.title.clone().unwrap_or_default();
    let year = event.year.and_then(|y| u16::try_from(y).ok());
    let mut tx = db::begin_write(pool).await?;
    history::remember_hand_match(&mut tx, user_id, &title, year, movie_id).await?;
    store::resolve(
        &mut tx,
        user_id,
        event.title.as_deref(),
        event.year,
        movie_id,
    )
    .await?;
    tx.commit().await?;
    apply(pool, user_id, movie_id, action, db::now())
        .await
        .map_err(|e| match e {
            HookError::Internal(e) => MatchError::Internal(e),
            other => MatchError::Internal(anyhow::anyhow!(other.to_string())),
        })?;
    Ok(())
}
