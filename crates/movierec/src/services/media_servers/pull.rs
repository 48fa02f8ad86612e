//! The history pull: an administrator connects the site's Jellyfin or Plex server once (its
//! URL and key), each user links their own account of it, and their whole library is read —
//! a first back-fill of every played film, then a periodic sync that catches what webhooks
//! missed. Matching and writing are a history upload's ([`history::import_pulled`]); the
//! library itself (played or not) is kept for "in your library" and "Watch tonight".

use std::collections::HashSet;

use anyhow::Context;
use serde_json::Value;

use crate::domain::UserId;
use crate::importers::history::{Entry, Format, History, HistoryRecord, MAX_ROWS};
use crate::importers::media::{self, LibraryFilm, LibraryPage, Server};
use crate::providers::ProviderError;
use crate::providers::media::{Jellyfin, PAGE_SIZE, Plex};
use crate::providers::server::check_base_url;
use crate::services::history;
use crate::store::media_library::{self as store, Link};
use crate::store::{self as db, Db, settings};

/// The media servers the site reads histories and libraries from.
#[derive(Debug, Clone, Default)]
pub struct MediaServersConfig {
    pub jellyfin: Option<ServerAccess>,
    pub plex: Option<ServerAccess>,
    /// Between two syncs of every linked user; `None` syncs only when a user asks.
    pub sync_every: Option<std::time::Duration>,
}

/// A server's address and its API key or token.
#[derive(Clone)]
pub struct ServerAccess {
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for ServerAccess {
    // The secret is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerAccess")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The servers a pull reads (Emby's webhooks are taken, its library is not read).
pub(crate) const PULLED: [Server; 2] = [Server::Jellyfin, Server::Plex];

/// Why a pull, a link or a connection did not happen; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PullError {
    #[error("{0} is not connected to this site: an administrator sets it up on the Admin page")]
    NotConnected(&'static str),
    #[error("you have not linked your {0} account yet")]
    NotLinked(&'static str),
    /// A field of a form, by its name.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{server} did not answer as expected: {cause}")]
    Unavailable {
        server: &'static str,
        cause: ProviderError,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for PullError {
    fn from(e: sqlx::Error) -> Self {
        PullError::Internal(e.into())
    }
}

impl From<history::HistoryError> for PullError {
    fn from(e: history::HistoryError) -> Self {
        PullError::Internal(e.into())
    }
}

fn unavailable(server: Server) -> impl Fn(ProviderError) -> PullError {
    move |cause| PullError::Unavailable {
        server: server.name(),
        cause,
    }
}

/// The site's connection to a server, as the admin set it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Connection {
    pub(crate) url: String,
    secret: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.url)
            .field("secret", &self.masked_secret())
            .finish()
    }
}

impl Connection {
    /// The secret as the Admin page shows it: its last four characters.
    pub(crate) fn masked_secret(&self) -> String {
        let tail: String = {
            let chars: Vec<char> = self.secret.chars().collect();
            chars[chars.len().saturating_sub(4)..].iter().collect()
        };
        format!("••••{tail}")
    }
}

fn url_setting(server: Server) -> &'static str {
    match server {
        Server::Jellyfin => "jellyfin_url",
        Server::Plex => "plex_url",
        Server::Emby => "emby_url",
    }
}

fn secret_setting(server: Server) -> &'static str {
    match server {
        Server::Jellyfin => "jellyfin_api_key",
        Server::Plex => "plex_token",
        Server::Emby => "emby_api_key",
    }
}

/// How the site reaches `server`, when an administrator connected it.
pub(crate) async fn connection(pool: &Db, server: Server) -> sqlx::Result<Option<Connection>> {
    let url = settings::get(pool, url_setting(server)).await?;
    let secret = settings::get(pool, secret_setting(server)).await?;
    Ok(match (url, secret) {
        (Some(url), Some(secret)) if !url.is_empty() && !secret.is_empty() => {
            Some(Connection { url, secret })
        }
        _ => None,
    })
}

/// Stores a connection without asking the server (start-up options: the server may start
/// after this site; the first sync says whether it answers).
pub(crate) async fn store_connection(
    pool: &Db,
    server: Server,
    url: &str,
    secret: &str,
) -> Result<(), PullError> {
    let url = check_base_url(url).map_err(|message| PullError::Invalid {
        field: "url",
        message,
    })?;
    settings::set(pool, url_setting(server), url.as_str()).await?;
    settings::set(pool, secret_setting(server), secret.trim()).await?;
    Ok(())
}

/// Stores the connections `serve` was given; a server not given keeps what an admin set.
pub(crate) async fn init_connections(
    pool: &Db,
    config: &MediaServersConfig,
) -> Result<(), PullError> {
    for (server, access) in [
        (Server::Jellyfin, &config.jellyfin),
        (Server::Plex, &config.plex),
    ] {
        if let Some(access) = access {
            store_connection(pool, server, &access.url, &access.secret).await?;
        }
    }
    Ok(())
}

/// Connects the site to `server` after asking it who it is with that key: a wrong address
/// or key is refused and nothing is stored. An empty `secret` keeps the stored one. Returns
/// how the server names itself ("den, Jellyfin 10.10.3").
#[tracing::instrument(skip(pool, secret), fields(server = server.as_str()))]
pub(crate) async fn connect(
    pool: &Db,
    server: Server,
    url: &str,
    secret: &str,
) -> Result<String, PullError> {
    let secret = match secret.trim() {
        "" => connection(pool, server)
            .await?
            .map(|c| c.secret)
            .ok_or_else(|| PullError::Invalid {
                field: "secret",
                message: "give the server's API key or token".into(),
            })?,
        given => given.to_owned(),
    };
    let invalid_url = |message| PullError::Invalid {
        field: "url",
        message,
    };
    check_base_url(url).map_err(invalid_url)?;
    let described = describe(server, url, &secret).await.map_err(|e| match e {
        ProviderError::InvalidKey(message) => PullError::Invalid {
            field: "secret",
            message: format!("{} refused the key ({message})", server.name()),
        },
        cause => unavailable(server)(cause),
    })?;
    store_connection(pool, server, url, &secret).await?;
    tracing::info!(server = server.as_str(), %described, "media server connected");
    Ok(described)
}

/// Asks the server who it is, with the key: the call fails on a wrong one.
async fn describe(server: Server, url: &str, secret: &str) -> Result<String, ProviderError> {
    match server {
        Server::Jellyfin => {
            let info = Jellyfin::new(url, secret)?.info().await?;
            let name = info.get("ServerName").and_then(Value::as_str).unwrap_or("");
            let version = info.get("Version").and_then(Value::as_str).unwrap_or("");
            Ok(format!("{name}, Jellyfin {version}")
                .trim_start_matches(", ")
                .to_owned())
        }
        Server::Plex => {
            let plex = Plex::new(url, secret)?;
            // The identity answers anyone; the sections only a valid token.
            let sections = media::plex_sections(&plex.sections().await?)
                .map_err(|e| ProviderError::Malformed(e.0))?;
            let identity = plex.identity().await.unwrap_or(Value::Null);
            let version = identity
                .pointer("/MediaContainer/version")
                .and_then(Value::as_str)
                .unwrap_or("");
            Ok(format!(
                "Plex Media Server {version}, {} film section{}",
                sections.len(),
                if sections.len() == 1 { "" } else { "s" }
            ))
        }
        Server::Emby => Err(ProviderError::NotFound),
    }
}

/// Forgets the site's connection to `server` (users' links stay, and sync again once it is
/// connected anew).
pub(crate) async fn disconnect(pool: &Db, server: Server) -> sqlx::Result<()> {
    settings::set(pool, url_setting(server), "").await?;
    settings::set(pool, secret_setting(server), "").await
}

/// Links the user to their account of `server`: for Jellyfin, the account's name; for Plex,
/// their own token, or none to read with the site's token (the server owner's account,
/// for administrators only). The first sync follows at once.
#[tracing::instrument(skip(pool, plex_token), fields(user = user_id.get(), server = server.as_str()))]
pub(crate) async fn link(
    pool: &Db,
    user_id: UserId,
    is_admin: bool,
    server: Server,
    jellyfin_user: &str,
    plex_token: &str,
) -> Result<Synced, PullError> {
    let site = connection(pool, server)
        .await?
        .ok_or(PullError::NotConnected(server.name()))?;
    let (account, secret) = match server {
        Server::Jellyfin => {
            let wanted = jellyfin_user.trim();
            if wanted.is_empty() {
                return Err(PullError::Invalid {
                    field: "jellyfin_user",
                    message: "give your user name on the Jellyfin server".into(),
                });
            }
            let client = Jellyfin::new(&site.url, &site.secret).map_err(unavailable(server))?;
            let users = client.users().await.map_err(unavailable(server))?;
            let users = media::jellyfin_users(&users)
                .map_err(|e| unavailable(server)(ProviderError::Malformed(e.0)))?;
            let id = users
                .into_iter()
                .find(|(name, _)| name.trim().eq_ignore_ascii_case(wanted))
                .map(|(_, id)| id)
                .ok_or_else(|| PullError::Invalid {
                    field: "jellyfin_user",
                    message: format!("the Jellyfin server has no user named '{wanted}'"),
                })?;
            (id, None)
        }
        Server::Plex => match plex_token.trim() {
            "" if is_admin => ("server owner".to_owned(), None),
            "" => {
                return Err(PullError::Invalid {
                    field: "plex_token",
                    message: "paste your own Plex token (the server's is for administrators)"
                        .into(),
                });
            }
            token => {
                Plex::new(&site.url, token)
                    .map_err(unavailable(server))?
                    .sections()
                    .await
                    .map_err(|e| match e {
                        ProviderError::InvalidKey(_) => PullError::Invalid {
                            field: "plex_token",
                            message: "the Plex server refused this token".into(),
                        },
                        cause => unavailable(server)(cause),
                    })?;
                ("own token".to_owned(), Some(token.to_owned()))
            }
        },
        Server::Emby => return Err(PullError::NotConnected(server.name())),
    };
    let mut conn = pool.acquire().await?;
    store::link(
        &mut conn,
        user_id,
        server.as_str(),
        &account,
        secret.as_deref(),
        db::now(),
    )
    .await?;
    drop(conn);
    sync(pool, user_id, server).await
}

/// Unlinks the user's account of `server`; the library it found goes, what it marked seen
/// or rated stays.
pub(crate) async fn unlink(pool: &Db, user_id: UserId, server: Server) -> sqlx::Result<bool> {
    store::unlink(pool, user_id, server.as_str()).await
}

/// What a sync found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Synced {
    /// Films the library listed.
    pub(crate) films: usize,
    /// Of those, found in the catalog.
    pub(crate) matched: usize,
    /// Films new to the user's library on this server.
    pub(crate) added: usize,
    /// New seen marks and ratings.
    pub(crate) seen: u64,
    pub(crate) rated: u64,
    /// Played films the catalog does not know.
    pub(crate) unmatched: u64,
    /// The report kept for this sync (its unmatched films can be matched there).
    pub(crate) report: Option<i64>,
}

impl Synced {
    /// In words, as the Connections section shows it.
    pub(crate) fn summary(&self) -> String {
        let mut text = format!(
            "{} films in the library, {} found in the catalog",
            self.films, self.matched
        );
        if self.added > 0 {
            text.push_str(&format!(", {} new", self.added));
        }
        text.push_str(&format!(
            "; {} newly seen, {} ratings",
            self.seen, self.rated
        ));
        if self.unmatched > 0 {
            text.push_str(&format!("; {} played films not matched", self.unmatched));
        }
        text
    }
}

/// One sync at a time in this process: two for the same user would race each other's
/// writes, and a server is asked for one library at a time.
static SYNCING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Reads the user's library on `server` and takes what is new: seen marks, ratings the
/// user has not given here, and the library itself. Idempotent: a second sync with nothing
/// new changes nothing and keeps no report.
#[tracing::instrument(skip(pool), fields(user = user_id.get(), server = server.as_str()))]
pub(crate) async fn sync(pool: &Db, user_id: UserId, server: Server) -> Result<Synced, PullError> {
    let _one_at_a_time = SYNCING.lock().await;
    let link = store::links_of(pool, user_id)
        .await?
        .into_iter()
        .find(|l| l.server == server.as_str())
        .ok_or(PullError::NotLinked(server.name()))?;
    let site = connection(pool, server)
        .await?
        .ok_or(PullError::NotConnected(server.name()))?;
    let outcome = pull(pool, server, &site, &link).await;
    let now = db::now();
    let mut conn = pool.acquire().await?;
    let (result, report) = match &outcome {
        Ok(synced) => (synced.summary(), synced.report),
        Err(e) => (format!("failed: {e}"), None),
    };
    store::synced(&mut conn, user_id, server.as_str(), &result, report, now).await?;
    outcome
}

async fn pull(
    pool: &Db,
    server: Server,
    site: &Connection,
    link: &Link,
) -> Result<Synced, PullError> {
    let user_id = link.user_id;
    let (films, skipped) = read_library(server, site, link)
        .await
        .map_err(unavailable(server))?;
    let format = Format::new(server.as_str(), library_label(server));
    let records: Vec<HistoryRecord> = films
        .iter()
        .enumerate()
        .map(|(i, f)| record(format, i, f))
        .collect();
    let mut conn = pool.acquire().await?;
    let found = history::match_records(&mut conn, user_id, &records).await?;
    drop(conn);
    let library: HashSet<i64> = found.iter().flatten().copied().collect();
    // What the account did: played (or a favourite, which says it was watched) or rated.
    let did = History {
        format,
        records: films
            .iter()
            .zip(records)
            .filter(|(f, _)| f.played || f.favourite || f.rating.is_some())
            .map(|(_, r)| r)
            .collect(),
        skipped: skipped as u64,
    };
    let first = link.synced_at.is_none();
    let report = history::import_pulled(pool, user_id, library_label(server), &did, first).await?;
    let mut tx = db::begin_write(pool).await?;
    let added = store::replace_library(&mut tx, user_id, server.as_str(), &library, db::now())
        .await
        .context("cannot store the library")?;
    tx.commit().await?;
    let counts = report
        .as_ref()
        .map(|r| r.counts.clone())
        .unwrap_or_default();
    Ok(Synced {
        films: films.len(),
        matched: found.iter().filter(|f| f.is_some()).count(),
        added,
        seen: counts.seen,
        rated: counts.new,
        unmatched: counts.unmatched,
        report: report.and_then(|r| r.id),
    })
}

fn library_label(server: Server) -> &'static str {
    match server {
        Server::Jellyfin => "Jellyfin library",
        Server::Plex => "Plex library",
        Server::Emby => "Emby library",
    }
}

/// A library's film as a history row, so it is matched as a file's row is; `line` is its
/// place in the listing.
fn record(format: Format, index: usize, film: &LibraryFilm) -> HistoryRecord {
    HistoryRecord {
        file: format.label().to_owned(),
        line: index as u64 + 1,
        entry: match film.rating {
            Some(stars) => Entry::Rated(stars),
            None => Entry::Seen,
        },
        title: film.film.title.clone().unwrap_or_default(),
        original_title: None,
        year: film.film.year,
        imdb_id: film.film.imdb_id,
        tmdb_id: film.film.tmdb_id,
        date: film.played_at,
    }
}

/// Every film of the account's library, page by page, and how many items were not films
/// the catalog could match (no id, no title).
async fn read_library(
    server: Server,
    site: &Connection,
    link: &Link,
) -> Result<(Vec<LibraryFilm>, usize), ProviderError> {
    let mut library = Collected::default();
    match server {
        Server::Jellyfin => {
            let client = Jellyfin::new(&site.url, &site.secret)?;
            read_pages(&mut library, |start| {
                let client = &client;
                async move {
                    media::jellyfin_library(&client.movies(&link.account, start).await?)
                        .map_err(malformed)
                }
            })
            .await?;
        }
        Server::Plex => {
            let token = link.secret.as_deref().unwrap_or(&site.secret);
            let client = Plex::new(&site.url, token)?;
            let sections = media::plex_sections(&client.sections().await?).map_err(malformed)?;
            for section in &sections {
                read_pages(&mut library, |start| {
                    let client = &client;
                    async move {
                        media::plex_library(&client.movies(section, start).await?)
                            .map_err(malformed)
                    }
                })
                .await?;
            }
        }
        Server::Emby => return Err(ProviderError::NotFound),
    }
    Ok((library.films, library.skipped))
}

fn malformed(e: media::MediaError) -> ProviderError {
    ProviderError::Malformed(e.0)
}

/// The films of a library read so far, and the items that were not films.
#[derive(Default)]
struct Collected {
    films: Vec<LibraryFilm>,
    skipped: usize,
}

/// Reads one listing page by page (`page(start)`) until a short page or its total; a
/// library past [`MAX_ROWS`] films is refused, as an upload that long is.
async fn read_pages<F, Fut>(into: &mut Collected, mut page: F) -> Result<(), ProviderError>
where
    F: FnMut(u64) -> Fut,
    Fut: std::future::Future<Output = Result<LibraryPage, ProviderError>>,
{
    let mut start = 0;
    loop {
        let LibraryPage {
            films,
            skipped,
            total,
        } = page(start).await?;
        let read = (films.len() + skipped) as u64;
        into.films.extend(films);
        into.skipped += skipped;
        if into.films.len() > MAX_ROWS {
            return Err(ProviderError::TooLarge(MAX_ROWS));
        }
        start += read;
        if read < PAGE_SIZE || total.is_some_and(|t| start >= t) {
            return Ok(());
        }
    }
}

/// Syncs every linked user of every connected server (the periodic job); a user's failure
/// is recorded on their link and the others go on. Returns how many syncs succeeded.
pub(crate) async fn sync_everyone(pool: &Db) -> anyhow::Result<usize> {
    let mut done = 0;
    for server in PULLED {
        if connection(pool, server).await?.is_none() {
            continue;
        }
        for link in store::links_to(pool, server.as_str()).await? {
            match sync(pool, link.user_id, server).await {
                Ok(_) => done += 1,
                Err(e) => tracing::warn!(
                    user = link.user_id.get(),
                    server = server.as_str(),
                    error = %e,
                    "media-server sync failed"
                ),
            }
        }
    }
    Ok(done)
}

/// The user's links, for the Connections section, and which servers the site connected.
pub(crate) async fn links(pool: &Db, user_id: UserId) -> sqlx::Result<(Vec<Link>, Vec<Server>)> {
    let mut connected = Vec::new();
    for server in PULLED {
        if connection(pool, server).await?.is_some() {
            connected.push(server);
        }
    }
    Ok((store::links_of(pool, user_id).await?, connected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_shows_only_its_end() {
        let c = Connection {
            url: "http://den:8096".into(),
            secret: "0123456789abcdef".into(),
        };
        assert_eq!(c.masked_secret(), "••••cdef");
        assert!(!format!("{c:?}").contains("0123456789"));
    }

    #[test]
    fn a_summary_says_what_a_sync_did() {
        let synced = Synced {
            films: 2000,
            matched: 1990,
            added: 3,
            seen: 12,
            rated: 2,
            unmatched: 1,
            report: Some(4),
        };
        assert_eq!(
            synced.summary(),
            "2000 films in the library, 1990 found in the catalog, 3 new; 12 newly seen, \
             2 ratings; 1 played films not matched"
        );
    }
}
