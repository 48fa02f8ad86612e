//! OMDb (`https://www.omdbapi.com/`): one GET with the key as `apikey`, answering JSON
//! whose `"Response"` is `"True"` or `"False"` with an `"Error"` in OMDb's words
//! (`"Movie not found!"`, `"Invalid API key!"`, `"Request limit reached!"`). Every field is
//! a string, `"N/A"` when unknown.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::domain::ImdbId;

use super::{
    MAX_JSON_BYTES, ProviderError, RateLimiter, capped_text, http_client, read_capped, sane_title,
    transport_error,
};

pub const DEFAULT_URL: &str = "https://www.omdbapi.com/";

/// OMDb's error strings, as its API writes them.
pub const NOT_FOUND: &str = "Movie not found!";
pub const INVALID_KEY: &str = "Invalid API key!";
pub const REQUEST_LIMIT: &str = "Request limit reached!";

/// A film as OMDb describes it, `"N/A"` turned into `None`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OmdbMovie {
    pub imdb_id: Option<ImdbId>,
    pub title: String,
    pub year: Option<i64>,
    pub rated: Option<String>,
    pub released: Option<String>,
    pub runtime_min: Option<i64>,
    pub genres: Vec<String>,
    pub director: Option<String>,
    pub writers: Option<String>,
    pub actors: Option<String>,
    pub plot: Option<String>,
    pub language: Option<String>,
    pub country: Option<String>,
    /// An image URL on OMDb's (Amazon's) host; patrons only on OMDb's own poster API.
    pub poster_url: Option<String>,
    /// 0–10 in tenths.
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    /// Percent of positive reviews.
    pub rotten_tomatoes: Option<i64>,
    /// 0–100.
    pub metacritic: Option<i64>,
}

/// One hit of OMDb's title search.
#[derive(Debug, Clone, PartialEq)]
pub struct OmdbHit {
    pub imdb_id: ImdbId,
    pub title: String,
    pub year: Option<i64>,
}

#[derive(Debug)]
pub struct Omdb {
    http: reqwest::Client,
    url: String,
    key: String,
    timeout: Duration,
    limiter: Arc<RateLimiter>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: String,
    #[serde(rename = "Error")]
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawMovie {
    title: String,
    year: Option<String>,
    rated: Option<String>,
    released: Option<String>,
    runtime: Option<String>,
    genre: Option<String>,
    director: Option<String>,
    writer: Option<String>,
    actors: Option<String>,
    plot: Option<String>,
    language: Option<String>,
    country: Option<String>,
    poster: Option<String>,
    #[serde(default)]
    ratings: Vec<RawRating>,
    metascore: Option<String>,
    #[serde(rename = "imdbRating")]
    imdb_rating: Option<String>,
    #[serde(rename = "imdbVotes")]
    imdb_votes: Option<String>,
    #[serde(rename = "imdbID")]
    imdb_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRating {
    source: String,
    value: String,
}

#[derive(Deserialize)]
struct RawSearch {
    #[serde(rename = "Search", default)]
    search: Vec<RawHit>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawHit {
    title: String,
    year: Option<String>,
    #[serde(rename = "imdbID")]
    imdb_id: String,
    #[serde(rename = "Type")]
    kind: Option<String>,
}

impl Omdb {
    pub fn new(
        url: &str,
        key: &str,
        timeout: Duration,
        limiter: Arc<RateLimiter>,
    ) -> Result<Self, ProviderError> {
        Ok(Self {
            http: http_client(timeout)?,
            url: url.to_owned(),
            key: key.to_owned(),
            timeout,
            limiter,
        })
    }

    /// One request; OMDb's `"Response":"False"` becomes the matching error.
    async fn get(&self, query: &[(&str, &str)]) -> Result<serde_json::Value, ProviderError> {
        self.limiter.acquire().await;
        let response = self
            .http
            .get(&self.url)
            .query(&[("apikey", self.key.as_str())])
            .query(query)
            .send()
            .await
            .map_err(|e| transport_error(&e, self.timeout))?;
        let status = response.status();
        let body = read_capped(response, MAX_JSON_BYTES, self.timeout).await?;
        // OMDb answers a bad key or a spent allowance with 401 and its JSON; anything
        // else that is not JSON is a fault of the moment.
        let json: serde_json::Value = match serde_json::from_slice(&body) {
            Ok(json) => json,
            Err(_) if !status.is_success() => return Err(ProviderError::Status(status.as_u16())),
            Err(e) => return Err(ProviderError::Malformed(e.to_string())),
        };
        let envelope =
            Envelope::deserialize(&json).map_err(|e| ProviderError::Malformed(e.to_string()))?;
        if envelope.response == "True" {
            return Ok(json);
        }
        let error = envelope.error.unwrap_or_default();
        Err(match error.as_str() {
            NOT_FOUND
            | "Incorrect IMDb ID."
            | "Too many results."
            | "Series or episode not found!" => ProviderError::NotFound,
            INVALID_KEY | "No API key provided." => ProviderError::InvalidKey(error),
            REQUEST_LIMIT => ProviderError::DailyLimit(error),
            _ if !status.is_success() => ProviderError::Status(status.as_u16()),
            _ => ProviderError::Malformed(format!("\"Response\":\"False\" with {error:?}")),
        })
    }

    /// A film by its IMDb id (`tt0111161`).
    pub async fn by_imdb_id(&self, imdb_id: ImdbId) -> Result<OmdbMovie, ProviderError> {
        let imdb_id = imdb_id.to_string();
        let json = self
            .get(&[("i", &imdb_id), ("type", "movie"), ("plot", "short")])
            .await?;
        parse_movie(json)
    }

    /// The film OMDb finds for a title and, if known, a year.
    pub async fn by_title(
        &self,
        title: &str,
        year: Option<i64>,
    ) -> Result<OmdbMovie, ProviderError> {
        let year = year.map(|y| y.to_string());
        let mut query = vec![("t", title), ("type", "movie"), ("plot", "short")];
        if let Some(year) = &year {
            query.push(("y", year));
        }
        parse_movie(self.get(&query).await?)
    }

    /// Films whose title matches, first page (up to ten).
    pub async fn search(&self, text: &str) -> Result<Vec<OmdbHit>, ProviderError> {
        let json = match self.get(&[("s", text), ("type", "movie")]).await {
            Err(ProviderError::NotFound) => return Ok(Vec::new()),
            other => other?,
        };
        let raw =
            RawSearch::deserialize(json).map_err(|e| ProviderError::Malformed(e.to_string()))?;
        // A hit's id goes into a link and its title onto the page: either malformed, the
        // hit is left out.
        Ok(raw
            .search
            .into_iter()
            .filter(|hit| hit.kind.as_deref().is_none_or(|k| k == "movie"))
            .filter_map(|hit| {
                Some(OmdbHit {
                    imdb_id: ImdbId::parse_exact(&hit.imdb_id).ok()?,
                    title: sane_title(&hit.title)?.to_owned(),
                    year: hit.year.as_deref().and_then(leading_year),
                })
            })
            .collect())
    }

    /// A request that succeeds with a good key: a well-known film.
    pub async fn check_key(&self) -> Result<(), ProviderError> {
        let shawshank = ImdbId::new(111_161).map_err(ProviderError::Malformed)?;
        self.by_imdb_id(shawshank).await.map(|_| ())
    }
}

fn parse_movie(json: serde_json::Value) -> Result<OmdbMovie, ProviderError> {
    let raw = RawMovie::deserialize(json).map_err(|e| ProviderError::Malformed(e.to_string()))?;
    let score = |source: &str| {
        raw.ratings
            .iter()
            .find(|r| r.source == source)
            .map(|r| r.value.as_str())
    };
    Ok(OmdbMovie {
        rotten_tomatoes: score("Rotten Tomatoes")
            .and_then(|v| v.strip_suffix('%'))
            .and_then(|v| v.parse().ok())
            .filter(|p| (0..=100).contains(p)),
        metacritic: known(raw.metascore)
            .or_else(|| {
                score("Metacritic")
                    .and_then(|v| v.split('/').next())
                    .map(str::to_owned)
            })
            .and_then(|v| v.parse().ok())
            .filter(|p| (0..=100).contains(p)),
        imdb_rating: known(raw.imdb_rating)
            .and_then(|v| v.parse().ok())
            .filter(|r: &f64| (0.0..=10.0).contains(r)),
        imdb_votes: known(raw.imdb_votes)
            .and_then(|v| v.replace(',', "").parse().ok())
            .filter(|&v: &i64| v >= 0),
        runtime_min: known(raw.runtime)
            .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
            .filter(|m| (1..=super::tmdb::MAX_RUNTIME_MIN).contains(m)),
        year: raw.year.as_deref().and_then(leading_year),
        genres: known(raw.genre)
            .map(|g| {
                g.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        imdb_id: ImdbId::parse_exact(&raw.imdb_id).ok(),
        title: raw.title,
        rated: known(raw.rated),
        released: known(raw.released),
        director: known(raw.director),
        writers: known(raw.writer),
        actors: known(raw.actors),
        plot: known(raw.plot),
        language: known(raw.language),
        country: known(raw.country),
        poster_url: known(raw.poster).filter(|p| p.starts_with("http")),
    })
}

/// OMDb writes `"N/A"` for unknown; text past [`super::MAX_TEXT_CHARS`] is cut.
fn known(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty() && v != "N/A")
        .map(capped_text)
}

/// `"1994"`, `"2008–2013"` → the first year.
fn leading_year(text: &str) -> Option<i64> {
    text.get(..4)
        .and_then(|y| y.parse().ok())
        .filter(|&y| crate::domain::is_film_year(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_answer_parses_with_its_scores() {
        let json = serde_json::json!({
            "Title": "The Shawshank Redemption", "Year": "1994", "Rated": "R",
            "Released": "14 Oct 1994", "Runtime": "142 min", "Genre": "Drama",
            "Director": "Frank Darabont", "Writer": "Stephen King, Frank Darabont",
            "Actors": "Tim Robbins, Morgan Freeman, Bob Gunton", "Plot": "Two imprisoned men bond.",
            "Language": "English", "Country": "United States", "Awards": "N/A",
            "Poster": "https://m.media-amazon.com/images/M/x.jpg",
            "Ratings": [
                {"Source": "Internet Movie Database", "Value": "9.3/10"},
                {"Source": "Rotten Tomatoes", "Value": "89%"},
                {"Source": "Metacritic", "Value": "82/100"}
            ],
            "Metascore": "82", "imdbRating": "9.3", "imdbVotes": "2,951,123",
            "imdbID": "tt0111161", "Type": "movie", "DVD": "N/A", "BoxOffice": "$28,767,189",
            "Production": "N/A", "Website": "N/A", "Response": "True"
        });
        let movie = parse_movie(json).unwrap();
        assert_eq!(movie.imdb_id.unwrap().to_string(), "tt0111161");
        assert_eq!(movie.year, Some(1994));
        assert_eq!(movie.runtime_min, Some(142));
        assert_eq!(movie.imdb_rating, Some(9.3));
        assert_eq!(movie.imdb_votes, Some(2_951_123));
        assert_eq!(movie.rotten_tomatoes, Some(89));
        assert_eq!(movie.metacritic, Some(82));
        assert_eq!(movie.genres, ["Drama"]);
        assert_eq!(
            movie.writers.as_deref(),
            Some("Stephen King, Frank Darabont")
        );
    }

    #[test]
    fn not_available_fields_are_none() {
        let json = serde_json::json!({
            "Title": "Obscure", "Year": "2001–2003", "Runtime": "N/A", "Poster": "N/A",
            "Metascore": "N/A", "imdbRating": "N/A", "imdbVotes": "N/A", "imdbID": "tt0000042",
            "Ratings": [], "Response": "True"
        });
        let movie = parse_movie(json).unwrap();
        assert_eq!(movie.year, Some(2001));
        assert_eq!(movie.runtime_min, None);
        assert_eq!(movie.poster_url, None);
        assert_eq!(movie.metacritic, None);
        assert_eq!(movie.imdb_rating, None);
    }
}
