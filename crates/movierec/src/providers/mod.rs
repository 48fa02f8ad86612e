//! The movie-data providers: OMDb (the original's source: scores, plot, cast; 1,000
//! requests a day on a free key) and TMDB (posters, cast, search; about 40 requests a
//! second). Plain clients over HTTP with a timeout, a request-rate limit and base URLs that
//! tests point at local stubs; [`poster`] checks and resizes the images they name.
//!
//! Without a key a provider is simply absent: nothing is ever requested from it.

pub(crate) mod limiter;
pub(crate) mod media;
pub(crate) mod omdb;
pub mod poster;
pub mod radarr;
pub(crate) mod server;
pub(crate) mod tmdb;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use limiter::RateLimiter;
pub use omdb::Omdb;
pub use tmdb::{Tmdb, TmdbKey};

/// Whole-request timeout: a provider slower than this is treated as down for the page.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// After a transient fault (timeout, 5xx, malformed answer) a provider is left alone this
/// long, so a down provider costs each page one timeout at most per minute, not per view.
pub const COOL_DOWN: Duration = Duration::from_secs(60);

/// The providers' settings; keys absent mean that provider is off.
#[derive(Debug, Clone)]
pub struct ProvidersConfig {
    pub omdb_key: Option<String>,
    pub tmdb_key: Option<TmdbKey>,
    /// OMDb's API root, `https://www.omdbapi.com/` unless a mirror or a test stub.
    pub omdb_url: String,
    /// TMDB's API root (before `/3/…`), `https://api.themoviedb.org`.
    pub tmdb_url: String,
    /// TMDB's image root (before `/w342/…`), `https://image.tmdb.org/t/p`.
    pub tmdb_image_url: String,
    /// Requests per second to each provider, at most.
    pub requests_per_second: u32,
    pub timeout: Duration,
}

impl Default for ProvidersConfig {
    fn default() -> Self {
        Self {
            omdb_key: None,
            tmdb_key: None,
            omdb_url: omdb::DEFAULT_URL.to_owned(),
            tmdb_url: tmdb::DEFAULT_URL.to_owned(),
            tmdb_image_url: tmdb::DEFAULT_IMAGE_URL.to_owned(),
            requests_per_second: 5,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Why a provider gave no answer. The messages name the cause as it will be logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("unreachable: {0}")]
    Unreachable(String),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("not found")]
    NotFound,
    #[error("key refused: {0}")]
    InvalidKey(String),
    /// OMDb's daily allowance is used up.
    #[error("daily request limit reached: {0}")]
    DailyLimit(String),
    /// TMDB's 429: wait this long.
    #[error("rate limited, retry after {0:?}")]
    RateLimited(Duration),
    #[error("poster refused: {0}")]
    BadImage(String),
    /// The answer ran past the size any real answer has: read no further.
    #[error("answer larger than {} KiB", .0 / 1024)]
    TooLarge(usize),
}

impl ProviderError {
    /// A fault that may pass by itself (the provider is slow or down for a while).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Timeout(_)
                | Self::Unreachable(_)
                | Self::Status(_)
                | Self::Malformed(_)
                | Self::RateLimited(_)
                | Self::TooLarge(_)
        )
    }
}

/// What is known of a provider's key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KeyStatus {
    /// No key given: the provider is off.
    #[default]
    Absent,
    /// Given, not yet checked (the provider could not be reached).
    Unchecked,
    Valid,
    /// The provider refused it, with its own words.
    Invalid(String),
}

impl std::fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Absent => f.write_str("no key"),
            Self::Unchecked => {
                f.write_str("key set, not yet checked (the provider did not answer)")
            }
            Self::Valid => f.write_str("key accepted"),
            Self::Invalid(answer) => write!(f, "INVALID KEY: the provider answered \"{answer}\""),
        }
    }
}

/// A provider's health: its key, and the fault it last had (logged once per change).
#[derive(Debug, Default)]
struct Health {
    key: KeyStatus,
    last_fault: Option<String>,
    resting_until: Option<Instant>,
}

/// One provider's client state shared by pages and the enrichment job.
#[derive(Debug)]
pub struct Guarded<C> {
    pub client: C,
    name: &'static str,
    health: Mutex<Health>,
}

impl<C> Guarded<C> {
    fn new(client: C, name: &'static str) -> Self {
        Self {
            client,
            name,
            health: Mutex::new(Health {
                key: KeyStatus::Unchecked,
                ..Health::default()
            }),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether to ask this provider now: its key is not known bad and it is not resting
    /// after a fault.
    pub fn usable(&self) -> bool {
        let health = self.health();
        !matches!(health.key, KeyStatus::Invalid(_))
            && health.resting_until.is_none_or(|t| Instant::now() >= t)
    }

    pub fn key_status(&self) -> KeyStatus {
        self.health().key.clone()
    }

    /// Records an answer: the key works, and the provider is healthy again.
    pub fn succeeded(&self) {
        let mut health = self.health();
        health.key = KeyStatus::Valid;
        health.resting_until = None;
        if health.last_fault.take().is_some() {
            tracing::info!(provider = self.name, "provider answers again");
        }
    }

    /// Records a fault: logged once (not again until it changes), and the provider rests
    /// after a transient one or for good after a refused key.
    pub fn failed(&self, context: &str, error: &ProviderError) {
        let mut health = self.health();
        match error {
            ProviderError::NotFound | ProviderError::BadImage(_) => {
                // An answer about one film, not a fault of the provider.
                tracing::info!(provider = self.name, %context, %error, "no data");
                return;
            }
            ProviderError::InvalidKey(message) => health.key = KeyStatus::Invalid(message.clone()),
            ProviderError::RateLimited(wait) => {
                health.resting_until = Some(Instant::now() + *wait);
            }
            ProviderError::DailyLimit(_) => {
                // OMDb's allowance renews at midnight UTC.
                health.resting_until = Some(Instant::now() + until_next_utc_day());
            }
            _ => health.resting_until = Some(Instant::now() + COOL_DOWN),
        }
        let text = error.to_string();
        if health.last_fault.as_deref() != Some(&text) {
            tracing::warn!(provider = self.name, %context, cause = %text, "provider fault");
            health.last_fault = Some(text);
        }
    }

    /// Passes a call's outcome through [`Guarded::succeeded`] / [`Guarded::failed`].
    pub fn record<T>(
        &self,
        context: &str,
        outcome: Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        match &outcome {
            Ok(_) | Err(ProviderError::NotFound) => self.succeeded(),
            Err(error) => self.failed(context, error),
        }
        outcome
    }
}

/// Both providers as configured: either may be absent (no key).
#[derive(Debug, Clone, Default)]
pub struct Providers {
    pub omdb: Option<Arc<Guarded<Omdb>>>,
    pub tmdb: Option<Arc<Guarded<Tmdb>>>,
    /// Fetches poster images (TMDB's image host, or the URL OMDb names).
    pub images: Option<Arc<poster::ImageFetcher>>,
    /// Movies being fetched now, so two views at once do not ask twice.
    in_flight: Arc<Mutex<std::collections::HashSet<i64>>>,
}

/// A movie marked as being fetched until this is dropped.
#[derive(Debug)]
pub struct FetchTicket {
    movie: i64,
    in_flight: Arc<Mutex<std::collections::HashSet<i64>>>,
}

impl Drop for FetchTicket {
    fn drop(&mut self) {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.movie);
    }
}

impl Providers {
    /// The clients for the keys given; none at all without keys.
    pub fn new(config: &ProvidersConfig) -> Result<Self, ProviderError> {
        crate::tls::install();
        let limiter = |_| Arc::new(RateLimiter::per_second(config.requests_per_second));
        let omdb = config
            .omdb_key
            .as_ref()
            .map(|key| Omdb::new(&config.omdb_url, key, config.timeout, limiter(())))
            .transpose()?
            .map(|c| Arc::new(Guarded::new(c, "OMDb")));
        let tmdb = config
            .tmdb_key
            .as_ref()
            .map(|key| {
                Tmdb::new(
                    &config.tmdb_url,
                    &config.tmdb_image_url,
                    key.clone(),
                    config.timeout,
                    limiter(()),
                )
            })
            .transpose()?
            .map(|c| Arc::new(Guarded::new(c, "TMDB")));
        let images = (omdb.is_some() || tmdb.is_some())
            .then(|| {
                poster::ImageFetcher::new(
                    config.timeout,
                    limiter(()),
                    poster::HostPolicy::trusting(&config.tmdb_image_url),
                )
            })
            .transpose()?
            .map(Arc::new);
        Ok(Self {
            omdb,
            tmdb,
            images,
            in_flight: Arc::default(),
        })
    }

    /// Claims a movie's fetch; `None` when another request is fetching it already (that
    /// one stores the result; this one shows the page as it is).
    pub fn claim(&self, movie: i64) -> Option<FetchTicket> {
        let mut set = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        set.insert(movie).then(|| FetchTicket {
            movie,
            in_flight: Arc::clone(&self.in_flight),
        })
    }

    /// Whether any provider has a key.
    pub fn any(&self) -> bool {
        self.omdb.is_some() || self.tmdb.is_some()
    }

    /// Asks each configured provider one cheap question to learn whether its key works;
    /// a refused key is logged as an error (the site runs on without that provider).
    pub async fn check_keys(&self) {
        if let Some(omdb) = &self.omdb {
            report_key(omdb, omdb.client.check_key().await);
        }
        if let Some(tmdb) = &self.tmdb {
            report_key(tmdb, tmdb.client.check_key().await);
        }
    }

    /// Each configured provider's name and key status, for the admin's Model page.
    pub fn key_report(&self) -> Vec<(&'static str, KeyStatus)> {
        let mut report = Vec::new();
        if let Some(omdb) = &self.omdb {
            report.push((omdb.name(), omdb.key_status()));
        }
        if let Some(tmdb) = &self.tmdb {
            report.push((tmdb.name(), tmdb.key_status()));
        }
        report
    }
}

fn report_key<C>(provider: &Guarded<C>, outcome: Result<(), ProviderError>) {
    match outcome {
        Ok(()) | Err(ProviderError::NotFound) => {
            provider.succeeded();
            tracing::info!(provider = provider.name(), "API key accepted");
        }
        Err(ProviderError::InvalidKey(message)) => {
            tracing::error!(
                provider = provider.name(),
                answer = %message,
                "API key refused: the provider is off until the key is fixed"
            );
            provider.failed("key check", &ProviderError::InvalidKey(message));
        }
        Err(other) => provider.failed("key check", &other),
    }
}

/// Time left until 00:00 UTC.
fn until_next_utc_day() -> Duration {
    const DAY: u64 = 86_400;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Duration::from_secs(DAY - now % DAY)
}

/// The HTTP client the providers share the settings of.
fn http_client(timeout: Duration) -> Result<reqwest::Client, ProviderError> {
    build_client(client_builder(timeout))
}

fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("movierec/", env!("CARGO_PKG_VERSION")))
}

/// Redirects that stay on the host first asked, three at most: an answer cannot bounce a
/// request elsewhere.
fn same_host_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(|u| (u.host_str(), u.port()));
        if attempt.previous().len() > 3 {
            attempt.error("too many redirects")
        } else if first == Some((attempt.url().host_str(), attempt.url().port())) {
            attempt.follow()
        } else {
            attempt.error("a redirect to another host")
        }
    })
}

fn build_client(builder: reqwest::ClientBuilder) -> Result<reqwest::Client, ProviderError> {
    builder
        .build()
        .map_err(|e| ProviderError::Unreachable(format!("cannot build an HTTP client: {e}")))
}

pub use crate::domain::MAX_TITLE_CHARS;

/// Longest free text (a plot, a list of names) kept from a provider; the rest is cut.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// A provider's title, trimmed, if it could be a film's: not empty, at most
/// [`MAX_TITLE_CHARS`], no control characters.
pub fn sane_title(title: &str) -> Option<&str> {
    let title = title.trim();
    (!title.is_empty()
        && crate::domain::check_title_length("title", title).is_ok()
        && !title.chars().any(char::is_control))
    .then_some(title)
}

/// Free text cut to [`MAX_TEXT_CHARS`].
fn capped_text(text: String) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((end, _)) => text[..end].to_owned(),
        None => text,
    }
}

/// Largest API answer read: a film with its credits is tens of kilobytes, a search page a
/// few.
pub const MAX_JSON_BYTES: usize = 2 * 1024 * 1024;

/// The body of `response`, read as it arrives and refused past `limit` bytes: neither a
/// false Content-Length nor an endless body makes us hold more.
async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, ProviderError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ProviderError::TooLarge(limit));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(&e, timeout))?
    {
        if bytes.len() + chunk.len() > limit {
            return Err(ProviderError::TooLarge(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A transport error in the providers' words.
fn transport_error(error: &reqwest::Error, timeout: Duration) -> ProviderError {
    if error.is_timeout() {
        ProviderError::Timeout(timeout)
    } else if error.is_decode() {
        ProviderError::Malformed(error.to_string())
    } else {
        // The chain carries the useful part ("connection refused").
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text = format!("{text}: {cause}");
            source = cause.source();
        }
        ProviderError::Unreachable(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded() -> Guarded<()> {
        Guarded::new((), "Test")
    }

    #[test]
    fn a_transient_fault_rests_the_provider_and_an_answer_revives_it() {
        let provider = guarded();
        assert!(provider.usable());
        provider.failed("movie 1", &ProviderError::Status(503));
        assert!(!provider.usable(), "resting after a 5xx");
        assert_eq!(provider.key_status(), KeyStatus::Unchecked);
        // The same fault again is not logged again (it is the same text).
        provider.failed("movie 2", &ProviderError::Status(503));
        assert_eq!(
            provider.health().last_fault.as_deref(),
            Some("answered HTTP 503")
        );
        provider.succeeded();
        assert!(provider.usable());
        assert_eq!(provider.key_status(), KeyStatus::Valid);
        assert_eq!(provider.health().last_fault, None);
    }

    #[test]
    fn a_refused_key_turns_the_provider_off_and_a_missing_film_is_no_fault() {
        let provider = guarded();
        provider.failed("movie 1", &ProviderError::NotFound);
        assert!(provider.usable());
        assert_eq!(provider.health().last_fault, None);
        provider.failed(
            "key check",
            &ProviderError::InvalidKey("Invalid API key!".into()),
        );
        assert!(!provider.usable());
        assert_eq!(
            provider.key_status().to_string(),
            "INVALID KEY: the provider answered \"Invalid API key!\""
        );
    }

    #[test]
    fn a_movie_is_fetched_by_one_request_at_a_time() {
        let providers = Providers::default();
        let ticket = providers.claim(7).expect("free");
        assert!(providers.claim(7).is_none(), "taken");
        assert!(providers.claim(8).is_some());
        drop(ticket);
        assert!(providers.claim(7).is_some(), "free again");
    }

    #[test]
    fn no_keys_no_clients() {
        let providers = Providers::new(&ProvidersConfig::default()).unwrap();
        assert!(!providers.any());
        assert!(providers.images.is_none());
        assert!(providers.key_report().is_empty());
    }
}
