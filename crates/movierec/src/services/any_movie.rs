//! Any film ever made: when the catalog has few matches for a search, the providers' own
//! search is shown below; opening one of those adds it to the catalog, matched to a movie
//! already there by IMDb (or TMDB) id so nothing is duplicated.

use crate::store::Db;

use crate::domain::{ImdbId, MovieId};
use crate::providers::tmdb::TmdbId;
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
#[tracing::instrument(skip_all)]
pub async fn search(pool: &Db, providers: &Providers, text: &str) -> sqlx::Result<Vec<RemoteHit>> {
    let context = format!("search {text:?}");
    let mut hits = Vec::new();
    if let Some(tmdb) = providers.tmdb.as_ref().filter(|p| p.usable())
        && let Ok(found) = tmdb.record(&context, tmdb.client.search(text, None).await)
    {
        for hit in to_look_up(found) {
            let Some(title) = crate::providers::sane_title(&hit.title) else {
                continue;
            };
            if store::details::find_by_provider_ids(pool, None, Some(hit.id.get()))
                .await?
                .is_none()
            {
                hits.push(RemoteHit {
                    source: Source::Tmdb,
                    provider_id: hit.id.to_string(),
                    year: hit.year(),
                    title: title.to_owned(),
                });
            }
        }
        return Ok(hits);
    }
    if let Some(omdb) = providers.omdb.as_ref().filter(|p| p.usable())
        && let Ok(found) = omdb.record(&context, omdb.client.search(text).await)
    {
        for hit in to_look_up(found) {
            let imdb_id = hit.imdb_id.to_string();
            if store::details::find_by_provider_ids(pool, Some(&imdb_id), None)
                .await?
                .is_none()
            {
                hits.push(RemoteHit {
                    source: Source::Omdb,
                    provider_id: imdb_id,
                    title: hit.title,
                    year: hit.year,
                });
            }
        }
    }
    Ok(hits)
}

/// The hits of a provider's answer that are looked up in the catalog, one query each: the
/// first [`MAX_HITS`], however many the provider sent, so a search costs at most that many
/// queries.
fn to_look_up<T>(found: Vec<T>) -> impl Iterator<Item = T> {
    found.into_iter().take(MAX_HITS)
}

/// Why a provider's film could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("no such film at {0}")]
    NotFound(&'static str),
    /// The provider's film is not one the catalog takes (adult, or a title no film has).
    #[error("{0}")]
    Refused(String),
    #[error("{0} is not available now: {1}")]
    Provider(&'static str, ProviderError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A film added to the catalog, with what the search index needs to take it in.
#[derive(Debug)]
pub struct Added {
    pub id: MovieId,
    /// `None` when the film was there already.
    pub new: Option<store::details::AddedMovie>,
}

/// The catalog's movie for a provider's film, added if it is not there yet.
#[tracing::instrument(skip_all, fields(source = ?source, provider_id = provider_id))]
pub async fn add(
    pool: &Db,
    providers: &Providers,
    source: Source,
    provider_id: &str,
) -> Result<Added, AddError> {
    let not_found = || AddError::NotFound(source.label());
    let found = |id: i64| movie_id(id).map(|id| Added { id, new: None });
    let (movie, adult) = match source {
        Source::Tmdb => {
            let id = TmdbId::parse(provider_id).ok_or_else(not_found)?;
            if let Some(local) =
                store::details::find_by_provider_ids(pool, None, Some(id.get())).await?
            {
                return found(local);
            }
            let tmdb = providers.tmdb.as_ref().ok_or_else(not_found)?;
            let film = match tmdb.record("add from TMDB", tmdb.client.movie(id).await) {
                Ok(film) => film,
                Err(ProviderError::NotFound) => return Err(not_found()),
                Err(e) => return Err(AddError::Provider("TMDB", e)),
            };
            let movie = ProviderMovie {
                search_title: folded(&film.title),
                title: film.title,
                year: film.year,
                imdb_id: film.imdb_id.map(|id| id.to_string()),
                tmdb_id: film.id.map(TmdbId::get),
                genres: film.genres,
            };
            (movie, film.adult)
        }
        Source::Omdb => {
            let imdb_id = ImdbId::parse_exact(provider_id).map_err(|_| not_found())?;
            if let Some(local) =
                store::details::find_by_provider_ids(pool, Some(&imdb_id.to_string()), None).await?
            {
                return found(local);
            }
            let omdb = providers.omdb.as_ref().ok_or_else(not_found)?;
            let film = match omdb.record("add from OMDb", omdb.client.by_imdb_id(imdb_id).await) {
                Ok(film) => film,
                Err(ProviderError::NotFound) => return Err(not_found()),
                Err(e) => return Err(AddError::Provider("OMDb", e)),
            };
            // The film asked for, whatever id the answer carries.
            let movie = ProviderMovie {
                search_title: folded(&film.title),
                title: film.title,
                year: film.year,
                imdb_id: Some(imdb_id.to_string()),
                tmdb_id: None,
                genres: film.genres,
            };
            (movie, false)
        }
    };
    if adult {
        return Err(AddError::Refused(format!(
            "{} marks this film as adult: the catalog does not take it.",
            source.label()
        )));
    }
    let Some(title) = crate::providers::sane_title(&movie.title).map(str::to_owned) else {
        return Err(AddError::Refused(format!(
            "{} gives this film a title of {} characters: the catalog takes titles of 1 to {}.",
            source.label(),
            movie.title.chars().count(),
            crate::providers::MAX_TITLE_CHARS
        )));
    };
    let movie = ProviderMovie {
        search_title: folded(&title),
        title,
        ..movie
    };
    let added = store::details::add_movie(pool, &movie).await?;
    Ok(Added {
        id: movie_id(added.id)?,
        new: added.new,
    })
}

fn folded(title: &str) -> String {
    crate::search::text::padded(&crate::search::text::normalise(title))
}

fn movie_id(id: i64) -> Result<MovieId, AddError> {
    MovieId::new(id).map_err(|e| AddError::Database(sqlx::Error::Decode(e.into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 24, point 17: a provider's answer of 50,000 hits costs the ten queries of the
    /// ten shown, in the provider's order (the search page checks the ten it shows).
    #[test]
    fn only_the_hits_shown_are_looked_up() {
        let found: Vec<u32> = (1..=50_000).collect();
        let looked_up: Vec<u32> = to_look_up(found).collect();
        assert_eq!(looked_up, (1..=10).collect::<Vec<u32>>());
        assert_eq!(to_look_up(vec![7, 8]).count(), 2);
    }
}
