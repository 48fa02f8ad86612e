//! What a media server's webhook says, as plain records: Jellyfin's webhook plugin, Plex's
//! webhooks and Emby's notifications, each read from the JSON the server sends (taken out of
//! its form or multipart wrapping by the web layer) into one [`MediaEvent`].
//!
//! Parsers here only read: matching the film and changing the user's history belong to the
//! service. Anything that is not about a film (an episode, a song, a log-in) is
//! [`Parsed::Ignored`], so the server gets its acknowledgement and nothing changes.

mod emby;
mod jellyfin;
mod plex;

use serde_json::{Map, Value};

use crate::domain::{ImdbId, Stars, check_title_length, is_film_year};

/// The media servers that send webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Server {
    Jellyfin,
    Plex,
    Emby,
}

impl Server {
    /// As it appears in URLs (`/hooks/jellyfin/…`) and in the activity log.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Server::Jellyfin => "jellyfin",
            Server::Plex => "plex",
            Server::Emby => "emby",
        }
    }

    /// As people write it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Server::Jellyfin => "Jellyfin",
            Server::Plex => "Plex",
            Server::Emby => "Emby",
        }
    }

    pub(crate) fn from_path(segment: &str) -> Option<Self> {
        [Server::Jellyfin, Server::Plex, Server::Emby]
            .into_iter()
            .find(|s| s.as_str() == segment)
    }
}

/// The film an event is about, as the server names it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct MediaFilm {
    pub(crate) imdb_id: Option<ImdbId>,
    pub(crate) tmdb_id: Option<u32>,
    pub(crate) title: Option<String>,
    pub(crate) year: Option<u16>,
}

/// What happened to the film.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Watched to the end or marked played; `at` in seconds since 1970 when the server says.
    Seen { at: Option<i64> },
    /// Marked unplayed.
    Unseen,
    /// Liked or made a favourite (`true`), or no longer (`false`).
    Liked(bool),
    /// Rated, or the rating removed (`None`).
    Rated(Option<Stars>),
}

/// One event about a film.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MediaEvent {
    pub(crate) film: MediaFilm,
    pub(crate) action: Action,
    /// The media server's name for the account it happened on, when it says.
    pub(crate) account: Option<String>,
    /// Plex: the event happened on a shared user's account, not the server owner's.
    pub(crate) shared_user: bool,
}

/// What a payload holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parsed {
    Event(MediaEvent),
    /// Acknowledged and ignored, with why (for the log).
    Ignored(&'static str),
}

/// A payload that is not what the server sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct MediaError(pub(crate) String);

/// Reads one webhook payload (the JSON document) of `server`.
pub(crate) fn parse(server: Server, json: &[u8]) -> Result<Parsed, MediaError> {
    let value: Value = serde_json::from_slice(json)
        .map_err(|e| MediaError(format!("the body is not JSON: {e}")))?;
    let Value::Object(object) = value else {
        return Err(MediaError("the body is not a JSON object".into()));
    };
    match server {
        Server::Jellyfin => jellyfin::parse(&object),
        Server::Plex => plex::parse(&object),
        Server::Emby => emby::parse(&object),
    }
}

/// A key of `object`, ignoring case: a user's own template may write `itemtype`.
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Text, also from a number (`"Year": 1999` or `"Year": "1999"`); empty is none.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A boolean, also as text in any case (`True`, as .NET writes it into a template).
fn boolean(value: Option<&Value>, name: &str) -> Result<Option<bool>, MediaError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(MediaError(format!("{name}: {other} is not true or false"))),
    }
}

/// A number, also as text.
fn number(value: Option<&Value>, name: &str) -> Result<Option<f64>, MediaError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| MediaError(format!("{name}: '{s}' is not a number"))),
        Some(other) => Err(MediaError(format!("{name}: {other} is not a number"))),
    }
}

/// A UTC date in RFC 3339 (`2026-12-07T18:00:00.1234567Z`, as .NET writes it) in seconds since
/// 1970; a value in another shape is left out (the event's time is then when it arrived).
fn timestamp(value: Option<&Value>) -> Option<i64> {
    let text = text(value)?;
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

/// A film from the ids, title and year a server gives; ids that do not parse are left out
/// (a server's metadata may hold an id of another kind), an over-long title is refused.
fn film(
    imdb: Option<String>,
    tmdb: Option<String>,
    title: Option<String>,
    year: Option<f64>,
) -> Result<MediaFilm, MediaError> {
    if let Some(title) = &title {
        check_title_length("title", title).map_err(MediaError)?;
    }
    let year = year
        .filter(|y| y.fract() == 0.0 && (0.0..=f64::from(u16::MAX)).contains(y))
        .map(|y| y as u16)
        .filter(|&y| is_film_year(i64::from(y)));
    let film = MediaFilm {
        imdb_id: imdb.and_then(|id| ImdbId::parse_exact(&id).ok()),
        tmdb_id: tmdb.and_then(|id| id.parse().ok()).filter(|&id| id > 0),
        title,
        year,
    };
    if film.imdb_id.is_none() && film.tmdb_id.is_none() && film.title.is_none() {
        return Err(MediaError("the film has no id and no title".into()));
    }
    Ok(film)
}

/// One film of a media server's library, as a history pull reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LibraryFilm {
    pub(crate) film: MediaFilm,
    /// Played at least once (or marked played).
    pub(crate) played: bool,
    /// When it was last played, in seconds since 1970, when the server says.
    pub(crate) played_at: Option<i64>,
    /// A favourite (Jellyfin): a liked signal, as a webhook's like is.
    pub(crate) favourite: bool,
    /// The account's own rating (Plex's 0–10 as half stars).
    pub(crate) rating: Option<Stars>,
}

/// A page of a library listing: its films (anything not a film, or a film with neither an id
/// nor a usable title, is left out and counted in `skipped`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LibraryPage {
    pub(crate) films: Vec<LibraryFilm>,
    pub(crate) skipped: usize,
    /// Items in the whole listing, when the server says (Jellyfin's `TotalRecordCount`,
    /// Plex's `totalSize`).
    pub(crate) total: Option<u64>,
}

pub(crate) use jellyfin::{library_page as jellyfin_library, users as jellyfin_users};
pub(crate) use plex::{library_page as plex_library, movie_sections as plex_sections};
