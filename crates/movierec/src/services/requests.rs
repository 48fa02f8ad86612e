//! Radarr: the admin connects it (checked at once against the server), people request films
//! from it, and each person has a list Radarr polls as a Custom List. Only the admin names
//! Radarr's address; nothing here fetches an address a user gave.

use serde::{Deserialize, Serialize};

use crate::domain::{ImdbId, MovieId, UserId};
use crate::providers::ProviderError;
use crate::providers::radarr::{
    AddOptions, Added, ApiKey, MinimumAvailability, QualityProfile, Radarr,
};
use crate::providers::server::check_base_url;
use crate::services::recommendations::{self, PicksCache};
use crate::serving::ModelSlot;
use crate::store::requests::{self as store, ListedFilm, Stored};
use crate::store::{self as db, Db};

/// The setting that holds the connection, as JSON.
const CONNECTION_SETTING: &str = "radarr";
/// The setting that says who may request.
const REQUESTERS_SETTING: &str = "radarr_requesters";
/// Top picks in a list for Radarr, when its owner chose to add them.
pub(crate) const LISTED_TOP_PICKS: usize = 20;

/// A connected Radarr, as stored: what requests need, and what the Admin page shows.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Connection {
    pub(crate) url: String,
    pub(crate) api_key: ApiKey,
    pub(crate) quality_profile_id: i64,
    pub(crate) root_folder: String,
    pub(crate) minimum_availability: MinimumAvailability,
    /// Radarr's version when last checked.
    pub(crate) version: String,
    /// The server's quality profiles and root folders when last checked, to choose from.
    pub(crate) profiles: Vec<QualityProfile>,
    pub(crate) folders: Vec<String>,
}

impl std::fmt::Debug for Connection {
    // By hand, so nothing but the key's masked form can ever be printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.url)
            .field("api_key", &self.api_key)
            .field("quality_profile_id", &self.quality_profile_id)
            .field("root_folder", &self.root_folder)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// The chosen profile's name, or its id when the server no longer lists it.
    pub(crate) fn profile_name(&self) -> String {
        self.profiles
            .iter()
            .find(|p| p.id == self.quality_profile_id)
            .map_or_else(|| self.quality_profile_id.to_string(), |p| p.name.clone())
    }

    fn client(&self) -> Result<Radarr, ProviderError> {
        Radarr::new(&self.url, &self.api_key)
    }
}

/// The stored connection, or `None` when Radarr is not connected.
pub(crate) async fn connection(pool: &Db) -> anyhow::Result<Option<Connection>> {
    let Some(raw) = db::settings::get(pool, CONNECTION_SETTING).await? else {
        return Ok(None);
    };
    // Not `.context(raw)`: the stored text holds the key.
    let connection = serde_json::from_str(&raw)
        .map_err(|e| anyhow::anyhow!("the stored Radarr connection is not readable: {e}"))?;
    Ok(Some(connection))
}

/// Who may request films.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Requesters {
    #[default]
    Everyone,
    Admins,
}

impl Requesters {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Everyone => "everyone",
            Self::Admins => "admins",
        }
    }
}

impl std::str::FromStr for Requesters {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim() {
            "everyone" => Ok(Self::Everyone),
            "admins" => Ok(Self::Admins),
            other => Err(format!("requesters: '{other}' is not everyone or admins")),
        }
    }
}

pub(crate) async fn requesters(pool: &Db) -> anyhow::Result<Requesters> {
    match db::settings::get(pool, REQUESTERS_SETTING).await? {
        None => Ok(Requesters::default()),
        Some(raw) => raw
            .parse()
            .map_err(|e: String| anyhow::anyhow!("stored setting: {e}")),
    }
}

#[tracing::instrument(skip(pool))]
pub(crate) async fn set_requesters(pool: &Db, who: Requesters) -> anyhow::Result<()> {
    db::settings::set(pool, REQUESTERS_SETTING, who.as_str()).await?;
    Ok(())
}

/// What the admin asks to connect; empty fields take the stored key, the server's first
/// profile and folder, and `released`.
#[derive(Clone, Default)]
pub struct ConnectForm {
    pub url: String,
    /// Empty: the stored key.
    pub api_key: String,
    /// A profile's name or id.
    pub quality_profile: String,
    pub root_folder: String,
    pub minimum_availability: String,
}

/// Why a connection was refused; nothing was saved. Each message starts with the field.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ConnectError {
    fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::Field {
            field,
            message: message.into(),
        }
    }
}

/// Radarr's fault in words for the admin or the requester.
fn radarr_fault(e: &ProviderError) -> String {
    match e {
        ProviderError::InvalidKey(_) => "Radarr refused the API key".into(),
        ProviderError::NotFound => {
            "there is no Radarr API at this address (HTTP 404); give Radarr's own address".into()
        }
        ProviderError::Malformed(_) => "the answer is not Radarr's".into(),
        other => format!("Radarr did not answer: {other}"),
    }
}

/// Checks the settings against the server (`system/status`, `qualityprofile`, `rootfolder`)
/// and saves them only when all hold.
#[tracing::instrument(skip_all)]
pub(crate) async fn connect(pool: &Db, form: &ConnectForm) -> Result<Connection, ConnectError> {
    let url = check_base_url(&form.url)
        .map_err(|e| ConnectError::field("url", e))?
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let api_key = match form.api_key.trim() {
        "" => match connection(pool).await? {
            Some(stored) => stored.api_key,
            None => return Err(ConnectError::field("api_key", "give Radarr's API key")),
        },
        typed => ApiKey::parse(typed).map_err(|e| ConnectError::field("api_key", e))?,
    };
    let minimum_availability = match form.minimum_availability.trim() {
        "" => MinimumAvailability::default(),
        raw => raw
            .parse()
            .map_err(|e: String| ConnectError::field("minimum_availability", e))?,
    };
    let radarr =
        Radarr::new(&url, &api_key).map_err(|e| ConnectError::field("url", e.to_string()))?;
    let status = radarr.status().await.map_err(|e| {
        let field = match e {
            ProviderError::InvalidKey(_) => "api_key",
            _ => "url",
        };
        ConnectError::field(field, radarr_fault(&e))
    })?;
    if !status.is_radarr() {
        return Err(ConnectError::field(
            "url",
            format!(
                "this server is {}, not Radarr",
                status.app_name.as_deref().unwrap_or("another program")
            ),
        ));
    }
    let profiles = radarr
        .quality_profiles()
        .await
        .map_err(|e| ConnectError::field("url", radarr_fault(&e)))?;
    let folders: Vec<String> = radarr
        .root_folders()
        .await
        .map_err(|e| ConnectError::field("url", radarr_fault(&e)))?
        .into_iter()
        .map(|f| f.path)
        .collect();
    let profile = pick_profile(&profiles, &form.quality_profile)
        .map_err(|e| ConnectError::field("quality_profile", e))?;
    let root_folder = pick_folder(&folders, &form.root_folder)
        .map_err(|e| ConnectError::field("root_folder", e))?;
    let connection = Connection {
        url,
        api_key,
        quality_profile_id: profile.id,
        root_folder,
        minimum_availability,
        version: status.version,
        profiles,
        folders,
    };
    let json = serde_json::to_string(&connection).map_err(anyhow::Error::from)?;
    db::settings::set(pool, CONNECTION_SETTING, &json)
        .await
        .map_err(anyhow::Error::from)?;
    tracing::info!(url = %connection.url, version = %connection.version, "Radarr connected");
    Ok(connection)
}

/// The profile named by `wanted` (its name, in any case, or its id); empty: the first.
fn pick_profile<'a>(
    profiles: &'a [QualityProfile],
    wanted: &str,
) -> Result<&'a QualityProfile, String> {
    let wanted = wanted.trim();
    let Some(first) = profiles.first() else {
        return Err("Radarr has no quality profile; add one in Radarr first".into());
    };
    if wanted.is_empty() {
        return Ok(first);
    }
    profiles
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(wanted))
        .or_else(|| {
            let id: i64 = wanted.parse().ok()?;
            profiles.iter().find(|p| p.id == id)
        })
        .ok_or_else(|| {
            let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
            format!(
                "Radarr has no quality profile '{wanted}'; it has {}",
                names.join(", ")
            )
        })
}

/// The folder `wanted` (as Radarr writes it, a trailing slash aside); empty: the first.
fn pick_folder(folders: &[String], wanted: &str) -> Result<String, String> {
    let wanted = wanted.trim();
    let Some(first) = folders.first() else {
        return Err(
            "Radarr has no root folder; add one in Radarr first (Settings, Media Management)"
                .into(),
        );
    };
    if wanted.is_empty() {
        return Ok(first.clone());
    }
    let plain = |p: &str| p.trim_end_matches(['/', '\\']).to_owned();
    folders
        .iter()
        .find(|f| plain(f) == plain(wanted))
        .cloned()
        .ok_or_else(|| {
            format!(
                "Radarr has no root folder '{wanted}'; it has {}",
                folders.join(", ")
            )
        })
}

/// Forgets the connection: the Request buttons go; the requests made stay recorded.
#[tracing::instrument(skip_all)]
pub(crate) async fn disconnect(pool: &Db) -> anyhow::Result<()> {
    db::settings::remove(pool, CONNECTION_SETTING).await?;
    tracing::info!("Radarr disconnected");
    Ok(())
}

/// At start-up: settings given on the command line are checked and saved as the Admin
/// page's would be; a refusal is logged and the stored connection stays, so a Radarr down
/// at that moment does not keep the site from starting.
pub async fn init_connection(pool: &Db, given: &RadarrConfig) -> anyhow::Result<()> {
    if let Some(who) = given.requesters {
        set_requesters(pool, who).await?;
    }
    let Some(url) = &given.url else {
        return Ok(());
    };
    let form = ConnectForm {
        url: url.clone(),
        api_key: given
            .api_key
            .as_ref()
            .map(|k| k.expose().to_owned())
            .unwrap_or_default(),
        quality_profile: given.quality_profile.clone().unwrap_or_default(),
        root_folder: given.root_folder.clone().unwrap_or_default(),
        minimum_availability: given
            .minimum_availability
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default(),
    };
    match connect(pool, &form).await {
        Ok(_) => Ok(()),
        Err(ConnectError::Field { field, message }) => {
            tracing::warn!(%field, %message, "Radarr settings not applied; the stored ones stay");
            Ok(())
        }
        Err(ConnectError::Internal(e)) => Err(e),
    }
}

/// Radarr's settings from the command line; all `None` leaves the stored ones.
#[derive(Debug, Clone, Default)]
pub struct RadarrConfig {
    pub url: Option<String>,
    pub api_key: Option<ApiKey>,
    /// A profile's name or id.
    pub quality_profile: Option<String>,
    pub root_folder: Option<String>,
    pub minimum_availability: Option<MinimumAvailability>,
    pub requesters: Option<Requesters>,
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestState {
    /// Added to Radarr, which searches for it.
    Requested,
    /// Radarr had it already: not added again.
    AlreadyInRadarr,
}

impl RequestState {
    /// As the API says it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::AlreadyInRadarr => "already in Radarr",
        }
    }
}

impl From<Stored> for RequestState {
    fn from(stored: Stored) -> Self {
        match stored {
            Stored::Requested => Self::Requested,
            Stored::Already => Self::AlreadyInRadarr,
        }
    }
}

/// A request done: its state, and whether this call asked Radarr (the film had not been
/// requested by anyone before).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Requested {
    pub(crate) state: RequestState,
    pub(crate) new: bool,
}

/// Why a film was not requested; nothing was recorded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestError {
    #[error("Radarr is not connected; an administrator connects it on the Admin page.")]
    NotConnected,
    #[error("Only administrators may request films.")]
    NotAllowed,
    #[error("There is no movie with id {0}.")]
    NoSuchMovie(MovieId),
    #[error("{0} has neither a TMDB nor an IMDb id, so Radarr cannot find it.")]
    NoIds(String),
    #[error("Radarr does not know {0}.")]
    UnknownToRadarr(String),
    /// Down, slow, a 5xx, or the key refused.
    #[error("Radarr did not answer: {0}. Nothing was requested; try again later.")]
    Unavailable(String),
    /// Radarr answered, refusing the film.
    #[error("Radarr refused the film: {0}. Nothing was requested.")]
    Refused(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for RequestError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

/// Whether a viewer may request films: Radarr is connected and they are among the
/// requesters. `None` when Radarr is not connected.
pub(crate) async fn may_request(pool: &Db, is_admin: bool) -> anyhow::Result<Option<bool>> {
    if db::settings::get(pool, CONNECTION_SETTING).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(
        is_admin || requesters(pool).await? == Requesters::Everyone,
    ))
}

/// What a page shows of Radarr beside its films: "Requested" on a film anyone requested,
/// and a Request button on the others Radarr can find (by an IMDb or TMDB id) when the
/// viewer may request. Nothing when Radarr is not connected.
#[derive(Debug, Clone, Default)]
pub struct Buttons {
    connected: bool,
    may_request: bool,
    requested: std::collections::HashSet<i64>,
    findable: std::collections::HashSet<i64>,
}

impl Buttons {
    /// Whether the film shows "Requested".
    pub fn is_requested(&self, movie: &i64) -> bool {
        self.connected && self.requested.contains(movie)
    }

    /// Whether the film shows a Request button.
    pub fn is_offered(&self, movie: &i64) -> bool {
        self.connected
            && self.may_request
            && !self.requested.contains(movie)
            && self.findable.contains(movie)
    }
}

/// The buttons of `movies` for a viewer (`None`: not logged in).
pub(crate) async fn buttons(
    pool: &Db,
    viewer_is_admin: Option<bool>,
    movies: &[i64],
) -> anyhow::Result<Buttons> {
    let Some(may) = may_request(pool, viewer_is_admin.unwrap_or(false)).await? else {
        return Ok(Buttons::default());
    };
    let (requested, findable) = store::marks(pool, movies).await?;
    Ok(Buttons {
        connected: true,
        may_request: may && viewer_is_admin.is_some(),
        requested,
        findable,
    })
}

/// Requests a film of Radarr for the user: looked up by TMDB id (or IMDb id without one);
/// a film Radarr has is recorded, not added again; a film anyone requested before is not
/// sent to Radarr again.
#[tracing::instrument(skip(pool))]
pub(crate) async fn request(
    pool: &Db,
    user_id: UserId,
    is_admin: bool,
    movie: MovieId,
) -> Result<Requested, RequestError> {
    let connection = connection(pool).await?.ok_or(RequestError::NotConnected)?;
    if !is_admin && requesters(pool).await? == Requesters::Admins {
        return Err(RequestError::NotAllowed);
    }
    let film = store::film(pool, movie)
        .await?
        .ok_or(RequestError::NoSuchMovie(movie))?;
    if let Some(stored) = store::state_of(pool, movie).await? {
        store::record(pool, movie, user_id, stored, db::now()).await?;
        return Ok(Requested {
            state: stored.into(),
            new: false,
        });
    }
    let name = match film.year {
        Some(y) => format!("{} ({y})", film.title),
        None => film.title.clone(),
    };
    let radarr = connection
        .client()
        .map_err(|e| RequestError::Unavailable(e.to_string()))?;
    let imdb_id = film
        .imdb_id
        .as_deref()
        .and_then(|raw| ImdbId::parse(raw).ok());
    let looked_up = match (film.tmdb_id.filter(|id| *id > 0), imdb_id) {
        (Some(tmdb_id), _) => radarr.lookup_tmdb(tmdb_id).await,
        (None, Some(imdb_id)) => radarr.lookup_imdb(&imdb_id.to_string()).await,
        (None, None) => return Err(RequestError::NoIds(name)),
    };
    let found = match looked_up {
        Ok(found) if found.tmdb_id > 0 => found,
        Ok(_) | Err(ProviderError::NotFound) => return Err(RequestError::UnknownToRadarr(name)),
        Err(e) => return Err(unavailable(&e)),
    };
    let stored = if found.is_in_radarr() {
        Stored::Already
    } else {
        let options = AddOptions {
            quality_profile_id: connection.quality_profile_id,
            root_folder_path: &connection.root_folder,
            minimum_availability: connection.minimum_availability,
        };
        match radarr.add(&found, &options).await {
            Ok(Ok(Added::New(id))) => {
                tracing::info!(radarr_id = id, "film added to Radarr");
                Stored::Requested
            }
            Ok(Ok(Added::AlreadyThere)) => Stored::Already,
            Ok(Err(words)) => return Err(RequestError::Refused(words)),
            Err(e) => return Err(unavailable(&e)),
        }
    };
    store::record(pool, movie, user_id, stored, db::now()).await?;
    Ok(Requested {
        state: stored.into(),
        new: true,
    })
}

fn unavailable(e: &ProviderError) -> RequestError {
    RequestError::Unavailable(match e {
        ProviderError::InvalidKey(_) => "it refused the API key".to_owned(),
        other => other.to_string(),
    })
}

/// One of the films of the list Radarr polls, in the shape its "Custom Lists" import reads
/// (`RadarrListParser`: an array of TMDB-style results whose `id` is the TMDB id, films
/// without one skipped) with the ids named as people read them too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ListItem {
    /// The TMDB id, as Radarr's Custom Lists read it; absent when unknown (Radarr reads a
    /// missing `id` as 0 and skips the film, where a `null` would fail the whole list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<i64>,
    pub(crate) title: String,
    pub(crate) imdb_id: Option<String>,
    pub(crate) tmdb_id: Option<i64>,
}

impl From<ListedFilm> for ListItem {
    fn from(film: ListedFilm) -> Self {
        let tmdb_id = film.tmdb_id.filter(|id| *id > 0);
        Self {
            id: tmdb_id,
            title: film.title,
            imdb_id: film.imdb_id,
            tmdb_id,
        }
    }
}

/// The path of a user's list for Radarr.
pub(crate) fn list_path(token: &str) -> String {
    format!("/lists/{token}/radarr.json")
}

/// The list Radarr polls with the user's token: their watchlist, then their top picks when
/// they chose so; each film once. `None` for a token nobody has.
#[tracing::instrument(skip_all)]
pub(crate) async fn custom_list(
    pool: &Db,
    models: &ModelSlot,
    picks: &PicksCache,
    token: &str,
) -> anyhow::Result<Option<Vec<ListItem>>> {
    let Some((user_id, _)) = db::media_hooks::owner(pool, token).await? else {
        return Ok(None);
    };
    let mut items: Vec<ListItem> = store::watchlist_with_ids(pool, user_id)
        .await?
        .into_iter()
        .map(ListItem::from)
        .collect();
    if store::top_picks(pool, user_id).await? {
        let found =
            recommendations::for_user(pool, models, picks, user_id, LISTED_TOP_PICKS).await?;
        let ids: Vec<i64> = found.items.iter().map(|r| r.movie.id).collect();
        let mut with_ids: std::collections::HashMap<i64, ListedFilm> =
            store::films_with_ids(pool, &ids)
                .await?
                .into_iter()
                .collect();
        for id in ids {
            if let Some(film) = with_ids.remove(&id) {
                let item = ListItem::from(film);
                if !items.contains(&item) {
                    items.push(item);
                }
            }
        }
    }
    Ok(Some(items))
}

/// The user's requests, newest first.
pub(crate) async fn of_user(pool: &Db, user_id: UserId) -> sqlx::Result<Vec<store::Request>> {
    store::of_user(pool, user_id).await
}

/// Whether the user's list for Radarr has their top picks.
pub(crate) async fn list_has_top_picks(pool: &Db, user_id: UserId) -> sqlx::Result<bool> {
    store::top_picks(pool, user_id).await
}

#[tracing::instrument(skip(pool))]
pub(crate) async fn set_list_top_picks(pool: &Db, user_id: UserId, on: bool) -> sqlx::Result<()> {
    store::set_top_picks(pool, user_id, on).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profiles() -> Vec<QualityProfile> {
        vec![
            QualityProfile {
                id: 1,
                name: "Any".into(),
            },
            QualityProfile {
                id: 4,
                name: "HD-1080p".into(),
            },
        ]
    }

    #[test]
    fn a_profile_is_named_or_numbered() {
        let profiles = profiles();
        assert_eq!(pick_profile(&profiles, "hd-1080p").unwrap().id, 4);
        assert_eq!(pick_profile(&profiles, " 4 ").unwrap().id, 4);
        assert_eq!(pick_profile(&profiles, "").unwrap().id, 1);
        let refused = pick_profile(&profiles, "Ultra-HD").unwrap_err();
        assert!(
            refused.contains("'Ultra-HD'") && refused.contains("HD-1080p"),
            "{refused}"
        );
        assert!(pick_profile(&profiles, "7").is_err());
        assert!(pick_profile(&[], "").is_err());
    }

    #[test]
    fn a_folder_is_one_radarr_lists() {
        let folders = vec!["/movies/".to_owned(), "/kids".to_owned()];
        assert_eq!(pick_folder(&folders, "/movies").unwrap(), "/movies/");
        assert_eq!(pick_folder(&folders, "/kids/").unwrap(), "/kids");
        assert_eq!(pick_folder(&folders, "").unwrap(), "/movies/");
        assert!(pick_folder(&folders, "/tv").unwrap_err().contains("/kids"));
        assert!(pick_folder(&[], "").is_err());
    }

    #[test]
    fn the_connection_never_prints_its_key() {
        let connection = Connection {
            url: "http://radarr.lan:7878".into(),
            api_key: ApiKey::parse("0123456789abcdef0123456789abcdef").unwrap(),
            quality_profile_id: 4,
            root_folder: "/movies".into(),
            minimum_availability: MinimumAvailability::Released,
            version: "5.14.0".into(),
            profiles: profiles(),
            folders: vec!["/movies".into()],
        };
        let printed = format!("{connection:?}");
        assert!(!printed.contains("0123456789abcdef"), "{printed}");
        assert_eq!(connection.profile_name(), "HD-1080p");
    }

    #[test]
    fn a_list_item_carries_what_radarr_reads() {
        let item = ListItem::from(ListedFilm {
            title: "Heat".into(),
            imdb_id: Some("tt0113277".into()),
            tmdb_id: Some(949),
        });
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            serde_json::json!({"id": 949, "title": "Heat", "imdb_id": "tt0113277", "tmdb_id": 949})
        );
        let imdb_only = ListItem::from(ListedFilm {
            title: "Heat".into(),
            imdb_id: Some("tt0113277".into()),
            tmdb_id: None,
        });
        let json = serde_json::to_value(&imdb_only).unwrap();
        assert!(json.get("id").is_none(), "{json}");
        assert_eq!(json["imdb_id"], "tt0113277");
    }
}
