//! TMDB's API v3 (`https://api.themoviedb.org/3/…`), with a v3 key (sent as `api_key`) or
//! a v4 read token (sent as `Authorization: Bearer`). Errors are JSON with TMDB's
//! `status_code` (7: invalid key, 34: not found); 429 carries `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::domain::ImdbId;

use super::{
    MAX_JSON_BYTES, ProviderError, RateLimiter, capped_text, http_client, read_capped,
    transport_error,
};

pub const DEFAULT_URL: &str = "https://api.themoviedb.org";
pub const DEFAULT_IMAGE_URL: &str = "https://image.tmdb.org/t/p";

/// The width of poster TMDB is asked for: enough for the largest size the pages show.
pub const POSTER_SIZE: &str = "w500";

/// Wait this long after a 429 that names no `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);

/// TMDB's required notice wherever its data is shown.
pub const ATTRIBUTION: &str =
    "This product uses the TMDB API but is not endorsed or certified by TMDB.";

/// A v3 API key (32 hex digits) or a v4 read access token (a JWT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TmdbKey {
    V3(String),
    V4(String),
}

impl TmdbKey {
    /// Tells the two kinds apart by shape; an empty key is refused.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let key = raw.trim();
        if key.is_empty() {
            return Err("the TMDB key is empty".into());
        }
        if key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self::V3(key.to_owned()))
        } else {
            Ok(Self::V4(key.to_owned()))
        }
    }
}

/// TMDB's number for a film: positive, so it is only ever digits in a request path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "i64")]
pub struct TmdbId(i64);

impl TmdbId {
    pub fn get(self) -> i64 {
        self.0
    }

    /// From a URL's text: digits only.
    pub fn parse(text: &str) -> Option<Self> {
        if text.is_empty() || text.len() > 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse::<i64>()
            .ok()
            .and_then(|n| Self::try_from(n).ok())
    }
}

impl TryFrom<i64> for TmdbId {
    type Error = String;

    fn try_from(n: i64) -> Result<Self, String> {
        if n > 0 {
            Ok(Self(n))
        } else {
            Err(format!("{n} is not a TMDB id"))
        }
    }
}

impl std::fmt::Display for TmdbId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One hit of TMDB's movie search.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TmdbHit {
    pub id: TmdbId,
    pub title: String,
    #[serde(default)]
    pub release_date: Option<String>,
    #[serde(default)]
    pub poster_path: Option<String>,
    /// TMDB's mark of a pornographic film: never offered nor added.
    #[serde(default)]
    pub adult: bool,
}

impl TmdbHit {
    pub fn year(&self) -> Option<i64> {
        year_of(self.release_date.as_deref())
    }
}

/// A film with its credits, as `GET /3/movie/{id}?append_to_response=credits` gives it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TmdbMovie {
    pub id: Option<TmdbId>,
    /// Only when it is a well-formed IMDb id: it goes into request paths and links.
    pub imdb_id: Option<ImdbId>,
    pub adult: bool,
    pub title: String,
    pub year: Option<i64>,
    pub release_date: Option<String>,
    pub overview: Option<String>,
    pub runtime_min: Option<i64>,
    pub poster_path: Option<String>,
    pub genres: Vec<String>,
    /// Billing order, at most [`CAST_SHOWN`].
    pub cast: Vec<String>,
    pub directors: Vec<String>,
    pub writers: Vec<String>,
    pub languages: Vec<String>,
    pub countries: Vec<String>,
}

/// Actors kept per film.
pub const CAST_SHOWN: usize = 8;

/// Names kept per list (genres, writers, countries…).
const MAX_NAMES: usize = 30;

/// Longer than any film's running time (the longest is about 14,400 minutes).
pub const MAX_RUNTIME_MIN: i64 = 20_000;

#[derive(Deserialize)]
struct RawMovie {
    id: TmdbId,
    imdb_id: Option<String>,
    #[serde(default)]
    adult: bool,
    title: String,
    release_date: Option<String>,
    overview: Option<String>,
    runtime: Option<i64>,
    poster_path: Option<String>,
    #[serde(default)]
    genres: Vec<Named>,
    #[serde(default)]
    spoken_languages: Vec<Language>,
    #[serde(default)]
    production_countries: Vec<Named>,
    credits: Option<Credits>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Language {
    english_name: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize, Default)]
struct Credits {
    #[serde(default)]
    cast: Vec<Named>,
    #[serde(default)]
    crew: Vec<CrewMember>,
}

#[derive(Deserialize)]
struct CrewMember {
    name: String,
    job: Option<String>,
    department: Option<String>,
}

#[derive(Deserialize)]
struct Page<T> {
    results: Vec<T>,
}

#[derive(Deserialize)]
struct Found {
    #[serde(default)]
    movie_results: Vec<TmdbHit>,
}

#[derive(Deserialize)]
struct ErrorBody {
    status_code: Option<i64>,
    status_message: Option<String>,
}

#[derive(Debug)]
pub struct Tmdb {
    http: reqwest::Client,
    url: String,
    image_url: String,
    key: TmdbKey,
    timeout: Duration,
    limiter: Arc<RateLimiter>,
}

impl Tmdb {
    pub fn new(
        url: &str,
        image_url: &str,
        key: TmdbKey,
        timeout: Duration,
        limiter: Arc<RateLimiter>,
    ) -> Result<Self, ProviderError> {
        Ok(Self {
            http: http_client(timeout)?,
            url: url.trim_end_matches('/').to_owned(),
            image_url: image_url.trim_end_matches('/').to_owned(),
            key,
            timeout,
            limiter,
        })
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ProviderError> {
        self.limiter.acquire().await;
        let mut request = self.http.get(format!("{}{path}", self.url)).query(query);
        request = match &self.key {
            TmdbKey::V3(key) => request.query(&[("api_key", key)]),
            TmdbKey::V4(token) => request.bearer_auth(token),
        };
        let response = request
            .send()
            .await
            .map_err(|e| transport_error(&e, self.timeout))?;
        let status = response.status();
        if status.as_u16() == 429 {
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs);
            return Err(ProviderError::RateLimited(wait));
        }
        let body = read_capped(response, MAX_JSON_BYTES, self.timeout).await?;
        if !status.is_success() {
            let error: Option<ErrorBody> = serde_json::from_slice(&body).ok();
            let code = error.as_ref().and_then(|e| e.status_code);
            let message = error.and_then(|e| e.status_message).unwrap_or_default();
            return Err(match (status.as_u16(), code) {
                (401, _) | (_, Some(7)) => ProviderError::InvalidKey(message),
                (404, _) | (_, Some(34)) => ProviderError::NotFound,
                (s, _) => ProviderError::Status(s),
            });
        }
        serde_json::from_slice(&body).map_err(|e| ProviderError::Malformed(e.to_string()))
    }

    /// TMDB's id of the film with this IMDb id.
    pub async fn find_by_imdb_id(&self, imdb_id: ImdbId) -> Result<TmdbHit, ProviderError> {
        let found: Found = self
            .get(
                &format!("/3/find/{imdb_id}"),
                &[("external_source", "imdb_id")],
            )
            .await?;
        found
            .movie_results
            .into_iter()
            .find(|hit| !hit.adult)
            .ok_or(ProviderError::NotFound)
    }

    /// Films whose title matches, most popular first (TMDB's first page, up to 20).
    pub async fn search(
        &self,
        text: &str,
        year: Option<i64>,
    ) -> Result<Vec<TmdbHit>, ProviderError> {
        let year = year.map(|y| y.to_string());
        let mut query = vec![("query", text), ("include_adult", "false")];
        if let Some(year) = &year {
            query.push(("year", year));
        }
        let page: Page<TmdbHit> = self.get("/3/search/movie", &query).await?;
        Ok(page.results.into_iter().filter(|hit| !hit.adult).collect())
    }

    /// A film's details and credits.
    pub async fn movie(&self, id: TmdbId) -> Result<TmdbMovie, ProviderError> {
        let raw: RawMovie = self
            .get(
                &format!("/3/movie/{id}"),
                &[("append_to_response", "credits")],
            )
            .await?;
        let credits = raw.credits.unwrap_or_default();
        let crew = |wanted: &dyn Fn(&CrewMember) -> bool| {
            let mut names: Vec<String> = Vec::new();
            for member in credits.crew.iter().filter(|m| wanted(m)) {
                if !names.contains(&member.name) {
                    names.push(member.name.clone());
                }
            }
            names
        };
        let directors = crew(&|m| m.job.as_deref() == Some("Director"));
        let writers = crew(&|m| m.department.as_deref() == Some("Writing"));
        let nonempty = |s: Option<String>| s.filter(|s| !s.trim().is_empty()).map(capped_text);
        let names = |names: Vec<String>| names.into_iter().take(MAX_NAMES).map(capped_text);
        Ok(TmdbMovie {
            id: Some(raw.id),
            imdb_id: raw
                .imdb_id
                .as_deref()
                .and_then(|id| ImdbId::parse_exact(id).ok()),
            adult: raw.adult,
            year: year_of(raw.release_date.as_deref()),
            release_date: nonempty(raw.release_date),
            title: raw.title,
            overview: nonempty(raw.overview),
            runtime_min: raw.runtime.filter(|&m| (1..=MAX_RUNTIME_MIN).contains(&m)),
            // A path on TMDB's image host: appended to its URL, so nothing else.
            poster_path: nonempty(raw.poster_path).filter(|p| {
                p.starts_with('/')
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b))
            }),
            genres: names(raw.genres.into_iter().map(|g| g.name).collect()).collect(),
            cast: names(
                credits
                    .cast
                    .iter()
                    .take(CAST_SHOWN)
                    .map(|c| c.name.clone())
                    .collect(),
            )
            .collect(),
            directors: names(directors).collect(),
            writers: names(writers).collect(),
            languages: names(
                raw.spoken_languages
                    .into_iter()
                    .filter_map(|l| l.english_name.or(l.name))
                    .collect(),
            )
            .collect(),
            countries: names(
                raw.production_countries
                    .into_iter()
                    .map(|c| c.name)
                    .collect(),
            )
            .collect(),
        })
    }

    /// The full URL of a poster path (`/abc.jpg`) at [`POSTER_SIZE`].
    pub fn poster_url(&self, poster_path: &str) -> String {
        format!("{}/{POSTER_SIZE}{poster_path}", self.image_url)
    }

    /// A request that succeeds with a good key.
    pub async fn check_key(&self) -> Result<(), ProviderError> {
        self.get::<serde_json::Value>("/3/configuration", &[])
            .await
            .map(|_| ())
    }
}

fn year_of(date: Option<&str>) -> Option<i64> {
    date.and_then(|d| d.get(..4))
        .and_then(|y| y.parse().ok())
        .filter(|&y| crate::domain::is_film_year(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_told_apart_by_shape() {
        assert_eq!(
            TmdbKey::parse("0123456789abcdef0123456789ABCDEF"),
            Ok(TmdbKey::V3("0123456789abcdef0123456789ABCDEF".into()))
        );
        assert!(matches!(
            TmdbKey::parse("eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiIxIn0.x"),
            Ok(TmdbKey::V4(_))
        ));
        assert!(TmdbKey::parse("  ").is_err());
    }
}
