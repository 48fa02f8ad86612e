//! Any film ever made: when the catalog has few matches for a search, the providers' own
//! search is shown below; opening one of those adds it to the catalog, matched to a movie
//! already there by IMDb (or TMDB) id so nothing is duplicated.

use crate::store::Db;

use crate::domain::MovieId;
use crate::providers::{ProviderError, Providers};
use crate::store;
use crate::store::details::ProviderMovie;

/// Below this many local results, the providers are asked too.
pub const FEW_RESULTS: i64 = 5;

/// Provider hits shown at most.
const MAX_HITS: usize = 10;

/// Where a film not in the catalog was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Tmdb,
    Omdb,
}

impl Source {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "tmdb" => Some(Self::Tmdb),
            "omdb" => Some(Self::Omdb),
            _ => None,
        }
    }

    /// In URLs and the API's `source` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tmdb => "tmdb",
            Self::Omdb => "omdb",
        }
    }

    /// As the page names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Tmdb => "TMDB",
            Self::Omdb => "OMDb",
        }
    }
}

/// A film at a provider that the catalog does not have.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RemoteHit {
    pub source: Source,
    /// TMDB's numeric id or OMDb's IMDb id, as text.
    pub provider_id: String,
    pub title: String,
    pub year: Option<i64>,
}

impl RemoteHit {
    /// Opening it adds it to the catalog.
    pub fn open_url(&self) -> String {
        open_url(self.source, &self.provider_id)
    }
}

/// The address that adds (or finds) a provider's film and shows its page.
pub fn open_url(source: Source, provider_id: &str) -> String {
    format!("/movies/from/{}/{provider_id}", source.as_str())
}

/// TMDB's search (or OMDb's, without TMDB), leaving out films the catalog has. A provider
/// fault is logged by the provider's health and gives no hits.
pub async fn search(pool: &Db, providers: &Providers, text: &str) -> sqlx::Result<Vec<RemoteHit>> {
    let context = format!("search {text:?}");
    let mut hits = Vec::new();
    if let Some(tmdb) = providers.tmdb.as_ref().filter(|p| p.usable())
        && let Ok(found) = tmdb.record(&context, tmdb.client.search(text, None).await)
    {
        for hit in found {
            if store::details::find_by_provider_ids(pool, None, Some(hit.id))
                .await?
                .is_none()
            {
                hits.push(RemoteHit {
                    source: Source::Tmdb,
                    provider_id: hit.id.to_string(),
                    year: hit.year(),
                    title: hit.title,
                });
            }
        }
        hits.truncate(MAX_HITS);
        return Ok(hits);
    }
    if let Some(omdb) = providers.omdb.as_ref().filter(|p| p.usable())
        && let Ok(found) = omdb.record(&context, omdb.client.search(text).await)
    {
        for hit in found {
            if store::details::find_by_provider_ids(pool, Some(&hit.imdb_id), None)
                .await?
                .is_none()
            {
                hits.push(RemoteHit {
                    source: Source::Omdb,
                    provider_id: hit.imdb_id,
                    title: hit.title,
                    year: hit.year,
                });
            }
        }
    }
    hits.truncate(MAX_HITS);
    Ok(hits)
}

/// Why a provider's film could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("no such film at {0}")]
    NotFound(&'static str),
    #[error("{0} is not available now: {1}")]
    Provider(&'static str, ProviderError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The catalog's movie for a provider's film, added if it is not there yet.
pub async fn add(
    pool: &Db,
    providers: &Providers,
    source: Source,
    provider_id: &str,
) -> Result<MovieId, AddError> {
    let not_found = || AddError::NotFound(source.label());
    let movie = match source {
        Source::Tmdb => {
            let id: i64 = provider_id.parse().map_err(|_| not_found())?;
            if let Some(local) = store::details::find_by_provider_ids(pool, None, Some(id)).await? {
                return movie_id(local);
            }
            let tmdb = providers.tmdb.as_ref().ok_or_else(not_found)?;
            let film = match tmdb.record("add from TMDB", tmdb.client.movie(id).await) {
                Ok(film) => film,
                Err(ProviderError::NotFound) => return Err(not_found()),
                Err(e) => return Err(AddError::Provider("TMDB", e)),
            };
            ProviderMovie {
                search_title: folded(&film.title),
                title: film.title,
                year: film.year,
                imdb_id: film.imdb_id,
                tmdb_id: Some(film.id),
                genres: film.genres,
            }
        }
        Source::Omdb => {
            let imdb_id = crate::domain::ImdbId::parse(provider_id)
                .map_err(|_| not_found())?
                .to_string();
            if let Some(local) =
                store::details::find_by_provider_ids(pool, Some(&imdb_id), None).await?
            {
                return movie_id(local);
            }
            let omdb = providers.omdb.as_ref().ok_or_else(not_found)?;
            let film = match omdb.record("add from OMDb", omdb.client.by_imdb_id(&imdb_id).await) {
                Ok(film) => film,
                Err(ProviderError::NotFound) => return Err(not_found()),
                Err(e) => return Err(AddError::Provider("OMDb", e)),
            };
            ProviderMovie {
                search_title: folded(&film.title),
                title: film.title,
                year: film.year,
                imdb_id: Some(film.imdb_id),
                tmdb_id: None,
                genres: film.genres,
            }
        }
    };
    movie_id(store::details::add_movie(pool, &movie).await?)
}

fn folded(title: &str) -> String {
    crate::search::text::padded(&crate::search::text::normalise(title))
}

fn movie_id(id: i64) -> Result<MovieId, AddError> {
    MovieId::new(id).map_err(|e| AddError::Database(sqlx::Error::Decode(e.into())))
}
