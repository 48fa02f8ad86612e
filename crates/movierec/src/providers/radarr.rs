//! Radarr's API v3, as far as a request of a film goes: the server's status, its quality
//! profiles and root folders (to connect), a film's lookup by TMDB or IMDb id, and the
//! adding of a film. The shapes are Radarr's own (`Radarr.Api.V3`: `SystemResource`,
//! `QualityProfileResource`, `RootFolderResource`, `MovieResource`); fields we do not need
//! are left unread, except those of a lookup, which go back to Radarr with the film.

use serde::{Deserialize, Serialize};

use super::ProviderError;
use super::server::{SERVER_TIMEOUT, ServerClient};

/// Radarr's API key: sent in the `X-Api-Key` header, never printed (its `Debug` shows
/// only its last characters, as the Admin page does).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiKey(String);

/// Characters of a key shown back to the admin, to tell keys apart.
const SHOWN_KEY_CHARS: usize = 4;

impl ApiKey {
    /// A key as typed, trimmed; Radarr's are 32 hex digits, but any printable text without
    /// spaces is taken, so a key of a future version still works.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let key = raw.trim();
        if key.is_empty() {
            return Err("the API key is empty".into());
        }
        if key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "the API key is Radarr's Settings, General, API Key: letters and digits".into(),
            );
        }
        Ok(Self(key.to_owned()))
    }

    /// The key itself, for the request header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// "••••abcd": enough to tell which key is stored, too little to use it.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let tail: String = if chars.len() > 2 * SHOWN_KEY_CHARS {
            chars[chars.len() - SHOWN_KEY_CHARS..].iter().collect()
        } else {
            String::new()
        };
        format!("••••{tail}")
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({})", self.masked())
    }
}

impl std::str::FromStr for ApiKey {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

/// `GET /api/v3/system/status`, the part we read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SystemStatus {
    /// "Radarr"; Sonarr and its kin answer the same path with their own name.
    #[serde(default)]
    pub(crate) app_name: Option<String>,
    pub(crate) version: String,
}

impl SystemStatus {
    /// Whether the server says it is Radarr (old versions do not say).
    pub(crate) fn is_radarr(&self) -> bool {
        self.app_name
            .as_deref()
            .is_none_or(|name| name.eq_ignore_ascii_case("radarr"))
    }
}

/// One of `GET /api/v3/qualityprofile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct QualityProfile {
    pub(crate) id: i64,
    pub(crate) name: String,
}

/// One of `GET /api/v3/rootfolder`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RootFolder {
    pub(crate) path: String,
}

/// A film as `GET /api/v3/movie/lookup/tmdb` or `…/imdb` answers it: Radarr's
/// `MovieResource`, with `id` above 0 when the film is in Radarr already.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LookupMovie {
    #[serde(default)]
    pub(crate) id: i64,
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) original_title: Option<String>,
    pub(crate) tmdb_id: i64,
    #[serde(default)]
    pub(crate) imdb_id: Option<String>,
    #[serde(default)]
    pub(crate) year: i64,
    #[serde(default)]
    pub(crate) title_slug: Option<String>,
    /// Passed back as Radarr gave them (cover type, URLs).
    #[serde(default)]
    pub(crate) images: Vec<serde_json::Value>,
}

impl LookupMovie {
    /// Whether Radarr has this film already.
    pub(crate) fn is_in_radarr(&self) -> bool {
        self.id > 0
    }
}

/// When Radarr takes a film as available to download: `MovieStatusType`'s names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MinimumAvailability {
    #[serde(rename = "announced")]
    Announced,
    #[serde(rename = "inCinemas")]
    InCinemas,
    #[default]
    #[serde(rename = "released")]
    Released,
}

impl MinimumAvailability {
    pub const ALL: [Self; 3] = [Self::Announced, Self::InCinemas, Self::Released];

    /// Radarr's name of it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Announced => "announced",
            Self::InCinemas => "inCinemas",
            Self::Released => "released",
        }
    }

    /// In words, for the Admin page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Announced => "Announced",
            Self::InCinemas => "In cinemas",
            Self::Released => "Released",
        }
    }
}

impl std::str::FromStr for MinimumAvailability {
    type Err = String;

    /// Radarr's name, in any case, with or without a dash or underscore.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let plain: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_lowercase();
        match plain.as_str() {
            "announced" => Ok(Self::Announced),
            "incinemas" => Ok(Self::InCinemas),
            "released" => Ok(Self::Released),
            _ => Err(format!(
                "'{}' is not one of announced, inCinemas, released",
                raw.trim()
            )),
        }
    }
}

/// Where and how an added film goes.
#[derive(Debug, Clone)]
pub(crate) struct AddOptions<'a> {
    pub(crate) quality_profile_id: i64,
    pub(crate) root_folder_path: &'a str,
    pub(crate) minimum_availability: MinimumAvailability,
}

/// The body of `POST /api/v3/movie`: the lookup's film with where it goes.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NewMovie<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_title: Option<&'a str>,
    tmdb_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    imdb_id: Option<&'a str>,
    year: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    title_slug: Option<&'a str>,
    images: &'a [serde_json::Value],
    quality_profile_id: i64,
    root_folder_path: &'a str,
    monitored: bool,
    minimum_availability: MinimumAvailability,
    add_options: NewMovieOptions,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NewMovieOptions {
    search_for_movie: bool,
}

/// What adding a film did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Added {
    /// Radarr took it, under this id, and searches for it.
    New(i64),
    /// Radarr had it already (someone added it since the lookup).
    AlreadyThere,
}

/// The id of the film Radarr answers an add with.
#[derive(Debug, Deserialize)]
struct AddedMovie {
    id: i64,
}

/// One of the validation errors Radarr answers a refused body with (FluentValidation's).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidationFailure {
    #[serde(default)]
    property_name: Option<String>,
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default)]
    error_code: Option<String>,
}

/// What a refused add says: whether the film is there already, else Radarr's words.
fn read_refusal(body: &str) -> Result<(), String> {
    let failures: Vec<ValidationFailure> = serde_json::from_str(body).unwrap_or_default();
    if failures.iter().any(|f| {
        f.error_code.as_deref() == Some("MovieExistsValidator")
            || f.error_message
                .as_deref()
                .is_some_and(|m| m.contains("already been added"))
    }) {
        return Ok(());
    }
    let words: Vec<String> = failures
        .iter()
        .filter_map(|f| {
            let message = f.error_message.as_deref()?;
            Some(match f.property_name.as_deref() {
                Some(p) if !p.is_empty() => format!("{p}: {message}"),
                _ => message.to_owned(),
            })
        })
        .collect();
    Err(if words.is_empty() {
        body.chars().take(200).collect()
    } else {
        words.join("; ")
    })
}

/// A client of one Radarr server.
#[derive(Debug, Clone)]
pub(crate) struct Radarr {
    client: ServerClient,
}

impl Radarr {
    pub(crate) fn new(base_url: &str, key: &ApiKey) -> Result<Self, ProviderError> {
        Ok(Self {
            client: ServerClient::new(
                base_url,
                &[("x-api-key", key.expose().to_owned())],
                SERVER_TIMEOUT,
            )?,
        })
    }

    pub(crate) async fn status(&self) -> Result<SystemStatus, ProviderError> {
        self.client.get("/api/v3/system/status").await
    }

    pub(crate) async fn quality_profiles(&self) -> Result<Vec<QualityProfile>, ProviderError> {
        self.client.get("/api/v3/qualityprofile").await
    }

    pub(crate) async fn root_folders(&self) -> Result<Vec<RootFolder>, ProviderError> {
        self.client.get("/api/v3/rootfolder").await
    }

    pub(crate) async fn lookup_tmdb(&self, tmdb_id: i64) -> Result<LookupMovie, ProviderError> {
        self.client
            .get(&format!("/api/v3/movie/lookup/tmdb?tmdbId={tmdb_id}"))
            .await
    }

    /// `imdb_id` is checked already (`tt` and digits), so it needs no escaping.
    pub(crate) async fn lookup_imdb(&self, imdb_id: &str) -> Result<LookupMovie, ProviderError> {
        self.client
            .get(&format!("/api/v3/movie/lookup/imdb?imdbId={imdb_id}"))
            .await
    }

    /// Adds a looked-up film, monitored, and has Radarr search for it. A refusal that is
    /// not "already added" is `Err(Ok(words))`, Radarr's own words.
    pub(crate) async fn add(
        &self,
        film: &LookupMovie,
        options: &AddOptions<'_>,
    ) -> Result<Result<Added, String>, ProviderError> {
        let body = NewMovie {
            title: &film.title,
            original_title: film.original_title.as_deref(),
            tmdb_id: film.tmdb_id,
            imdb_id: film.imdb_id.as_deref(),
            year: film.year,
            title_slug: film.title_slug.as_deref(),
            images: &film.images,
            quality_profile_id: options.quality_profile_id,
            root_folder_path: options.root_folder_path,
            monitored: true,
            minimum_availability: options.minimum_availability,
            add_options: NewMovieOptions {
                search_for_movie: true,
            },
        };
        match self
            .client
            .post_or_refusal::<_, AddedMovie>("/api/v3/movie", &body)
            .await?
        {
            Ok(added) => Ok(Ok(Added::New(added.id))),
            Err(refusal) => Ok(match read_refusal(&refusal.body) {
                Ok(()) => Ok(Added::AlreadyThere),
                Err(words) => Err(format!("HTTP {}: {words}", refusal.status)),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_shown_by_its_last_characters_only() {
        let key = ApiKey::parse(" 0123456789abcdef0123456789abcdef ").unwrap();
        assert_eq!(key.expose(), "0123456789abcdef0123456789abcdef");
        assert_eq!(key.masked(), "••••cdef");
        let printed = format!("{key:?}");
        assert!(!printed.contains("0123456789abcdef"), "{printed}");
        assert!(printed.contains("••••cdef"), "{printed}");
        // A short key shows nothing of itself.
        assert_eq!(ApiKey::parse("abcd1234").unwrap().masked(), "••••");
        assert!(ApiKey::parse("  ").is_err());
        assert!(ApiKey::parse("has space").is_err());
    }

    #[test]
    fn radarrs_answers_are_read_in_their_shapes() {
        let status: SystemStatus = serde_json::from_str(
            r#"{"appName":"Radarr","instanceName":"Radarr","version":"5.14.0.9383",
                "buildTime":"2024-11-02T00:00:00Z","isDebug":false,"isProduction":true,
                "authentication":"forms","urlBase":"","runtimeVersion":"6.0.35"}"#,
        )
        .unwrap();
        assert_eq!(status.version, "5.14.0.9383");
        assert!(status.is_radarr());
        let sonarr: SystemStatus =
            serde_json::from_str(r#"{"appName":"Sonarr","version":"4.0.10"}"#).unwrap();
        assert!(!sonarr.is_radarr());

        let profiles: Vec<QualityProfile> = serde_json::from_str(
            r#"[{"name":"Any","upgradeAllowed":false,"cutoff":20,"items":[],"minFormatScore":0,
                 "cutoffFormatScore":0,"formatItems":[],"language":{"id":1,"name":"English"},"id":1},
                {"name":"HD-1080p","upgradeAllowed":false,"cutoff":7,"items":[],"id":4}]"#,
        )
        .unwrap();
        assert_eq!(
            profiles,
            [
                QualityProfile {
                    id: 1,
                    name: "Any".into()
                },
                QualityProfile {
                    id: 4,
                    name: "HD-1080p".into()
                }
            ]
        );

        let folders: Vec<RootFolder> = serde_json::from_str(
            r#"[{"path":"/movies","accessible":true,"freeSpace":1000,"unmappedFolders":[],"id":1}]"#,
        )
        .unwrap();
        assert_eq!(folders[0].path, "/movies");

        let film: LookupMovie = serde_json::from_str(
            r#"{"title":"Heat","originalTitle":"Heat","sortTitle":"heat","status":"released",
                "overview":"…","images":[{"coverType":"poster","remoteUrl":"https://image.tmdb.org/t/p/original/x.jpg"}],
                "year":1995,"qualityProfileId":0,"monitored":false,"minimumAvailability":"tba",
                "runtime":170,"imdbId":"tt0113277","tmdbId":949,"titleSlug":"949","genres":["Action"],
                "ratings":{},"added":"0001-01-01T00:00:00Z","id":0}"#,
        )
        .unwrap();
        assert!(!film.is_in_radarr());
        assert_eq!((film.tmdb_id, film.year), (949, 1995));
        assert_eq!(film.title_slug.as_deref(), Some("949"));
        assert_eq!(film.images.len(), 1);
        let there: LookupMovie =
            serde_json::from_str(r#"{"title":"Heat","tmdbId":949,"year":1995,"id":12}"#).unwrap();
        assert!(there.is_in_radarr());
    }

    #[test]
    fn a_refusal_tells_an_added_film_from_other_faults() {
        let exists = r#"[{"propertyName":"TmdbId","errorMessage":"This movie has already been added",
            "attemptedValue":949,"severity":"error","errorCode":"MovieExistsValidator"}]"#;
        assert_eq!(read_refusal(exists), Ok(()));
        let folder = r#"[{"propertyName":"RootFolderPath","errorMessage":"Root folder '/gone' does not exist",
            "severity":"error","errorCode":"RootFolderExistsValidator"}]"#;
        assert_eq!(
            read_refusal(folder),
            Err("RootFolderPath: Root folder '/gone' does not exist".into())
        );
        assert_eq!(read_refusal("Bad Request"), Err("Bad Request".into()));
    }

    #[test]
    fn availability_reads_radarrs_names() {
        for a in MinimumAvailability::ALL {
            assert_eq!(a.as_str().parse::<MinimumAvailability>(), Ok(a));
        }
        assert_eq!(
            "in-cinemas".parse::<MinimumAvailability>(),
            Ok(MinimumAvailability::InCinemas)
        );
        assert!("tomorrow".parse::<MinimumAvailability>().is_err());
        assert_eq!(MinimumAvailability::default().as_str(), "released");
    }
}
