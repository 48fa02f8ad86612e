//! Filling a movie's details and poster from the providers, once: a page view of a movie
//! without details, or the enrichment job, asks; later views read the database.
//!
//! A fetch is all or nothing: when a configured provider faults (slow, down, 5xx, malformed
//! answer) nothing is stored and the page shows what it has; the provider's health
//! ([`crate::providers::Guarded`]) logs the fault once and rests it for a while. "Not
//! found" is an answer, stored as such so the film is not asked about again.

use crate::store::Db;

use crate::catalog::{Critic, imdb_to_stars, metacritic_to_stars, rotten_tomatoes_to_stars};
use crate::domain::{ImdbId, MovieId, Stars};
use crate::providers::omdb::OmdbMovie;
use crate::providers::tmdb::TmdbId;
use crate::providers::tmdb::TmdbMovie;
use crate::providers::{KeyStatus, ProviderError, Providers};
use crate::store;
use crate::store::details::{NewDetails, StoredDetails};
use crate::store::movies::Movie;

/// The longest a fetch of one movie (all its requests) may take.
pub const FETCH_DEADLINE: std::time::Duration = std::time::Duration::from_secs(6);

/// What one attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No provider has a key, the movie is filled already (or unknown), or another
    /// request is fetching it right now.
    Nothing,
    /// Details stored (found or not).
    Stored { found: bool, poster: bool },
    /// A provider faulted: nothing stored, try again later.
    Deferred(ProviderError),
}

/// Fetches and stores the movie's details unless it has them. Database errors are errors;
/// provider faults are an [`Outcome::Deferred`].
#[tracing::instrument(skip_all, fields(movie = id.get()))]
pub async fn ensure_details(
    pool: &Db,
    providers: &Providers,
    id: MovieId,
) -> sqlx::Result<Outcome> {
    if !providers.any() {
        return Ok(Outcome::Nothing);
    }
    // Claimed before looking, so a fetch that ends in between is seen as done.
    let Some(_ticket) = providers.claim(id.get()) else {
        return Ok(Outcome::Nothing);
    };
    if store::details::find(pool, id).await?.is_some() {
        return Ok(Outcome::Nothing);
    }
    let Some(movie) = store::movies::find(pool, id).await? else {
        return Ok(Outcome::Nothing);
    };
    // Each request has its own timeout; this bounds the several a fetch makes, so a page
    // view never waits on the providers longer than this.
    let new = match tokio::time::timeout(FETCH_DEADLINE, fetch(providers, &movie)).await {
        Ok(Ok(new)) => new,
        Ok(Err(fault)) => return Ok(Outcome::Deferred(fault)),
        Err(_) => {
            let fault = ProviderError::Timeout(FETCH_DEADLINE);
            tracing::warn!(movie = movie.id, cause = %fault, "details not fetched");
            return Ok(Outcome::Deferred(fault));
        }
    };
    store::details::save(pool, id, &new).await?;
    Ok(Outcome::Stored {
        found: new.details.found,
        poster: !new.posters.is_empty(),
    })
}

/// Asks each usable provider about the movie and merges the answers.
pub async fn fetch(providers: &Providers, movie: &Movie) -> Result<NewDetails, ProviderError> {
    let context = format!("movie {} ({})", movie.id, movie.title);
    // A provider resting after a fault would leave the record half-filled: wait for it
    // rather than ask the other one now.
    let resting = |usable: bool, key| !usable && !matches!(key, KeyStatus::Invalid(_));
    if providers
        .omdb
        .as_ref()
        .is_some_and(|p| resting(p.usable(), p.key_status()))
        || providers
            .tmdb
            .as_ref()
            .is_some_and(|p| resting(p.usable(), p.key_status()))
    {
        return Err(ProviderError::Unreachable("resting after a fault".into()));
    }
    let mut omdb_movie: Option<OmdbMovie> = None;
    // Typed before it goes into a provider's URL, whatever the catalog holds.
    let known_imdb_id = movie
        .imdb_id
        .as_deref()
        .and_then(|id| ImdbId::parse(id).ok());
    // A provider whose key was refused is left out: the other one's answer stands.
    if let Some(omdb) = providers.omdb.as_ref().filter(|p| p.usable()) {
        let answer = match known_imdb_id {
            Some(imdb_id) => omdb.client.by_imdb_id(imdb_id).await,
            None => omdb.client.by_title(&movie.title, movie.year).await,
        };
        match omdb.record(&context, answer) {
            Ok(found) => omdb_movie = Some(found),
            Err(ProviderError::NotFound | ProviderError::InvalidKey(_)) => {}
            Err(fault) => return Err(fault),
        }
    }
    let imdb_id = known_imdb_id.or_else(|| omdb_movie.as_ref().and_then(|m| m.imdb_id));
    let mut tmdb_movie: Option<TmdbMovie> = None;
    if let Some(tmdb) = providers.tmdb.as_ref().filter(|p| p.usable()) {
        let answer = tmdb_lookup(&tmdb.client, movie, imdb_id).await;
        match tmdb.record(&context, answer) {
            Ok(found) => tmdb_movie = found,
            Err(ProviderError::NotFound | ProviderError::InvalidKey(_)) => {}
            Err(fault) => return Err(fault),
        }
    }
    // A TMDB film that OMDb names differently is another film: keep OMDb's.
    if let (Some(o), Some(t)) = (&omdb_movie, &tmdb_movie)
        && t.imdb_id.is_some_and(|t| Some(t) != o.imdb_id)
    {
        tmdb_movie = None;
    }
    let mut new = merge(omdb_movie.as_ref(), tmdb_movie.as_ref());

    let poster_url = tmdb_movie
        .as_ref()
        .and_then(|t| t.poster_path.as_deref())
        .zip(providers.tmdb.as_ref())
        .map(|(path, tmdb)| tmdb.client.poster_url(path))
        .or_else(|| omdb_movie.as_ref().and_then(|o| o.poster_url.clone()));
    if let (Some(url), Some(images)) = (poster_url, &providers.images) {
        match images.fetch(&url).await {
            Ok(posters) => new.posters = posters,
            // The film simply has no usable poster: the details stand without one.
            Err(e @ (ProviderError::NotFound | ProviderError::BadImage(_))) => {
                tracing::warn!(%context, poster = %url, cause = %e, "poster not stored");
            }
            Err(fault) => {
                tracing::warn!(%context, poster = %url, cause = %fault, "poster fetch failed");
                return Err(fault);
            }
        }
    }
    Ok(new)
}

/// TMDB's film for ours: by its IMDb id, or else by title and year.
async fn tmdb_lookup(
    tmdb: &crate::providers::Tmdb,
    movie: &Movie,
    imdb_id: Option<ImdbId>,
) -> Result<Option<TmdbMovie>, ProviderError> {
    let tmdb_id = match imdb_id {
        Some(imdb_id) => tmdb.find_by_imdb_id(imdb_id).await?.id,
        None => {
            let hits = tmdb.search(&movie.title, movie.year).await?;
            let same_year = |y: Option<i64>| match (y, movie.year) {
                (Some(a), Some(b)) => (a - b).abs() <= 1,
                _ => true,
            };
            match hits.into_iter().find(|h| same_year(h.year())) {
                Some(hit) => hit.id,
                None => return Ok(None),
            }
        }
    };
    // An adult film is never shown, so never one of ours.
    let film = tmdb.movie(tmdb_id).await?;
    Ok((!film.adult).then_some(film))
}

/// One record from the two answers: OMDb's scores and words first, TMDB's where OMDb is
/// silent.
fn merge(omdb: Option<&OmdbMovie>, tmdb: Option<&TmdbMovie>) -> NewDetails {
    let joined = |names: &[String]| (!names.is_empty()).then(|| names.join(", "));
    let mut sources = Vec::new();
    if omdb.is_some() {
        sources.push("omdb");
    }
    if tmdb.is_some() {
        sources.push("tmdb");
    }
    let pick = |o: Option<String>, t: Option<String>| o.or(t);
    let o = omdb.cloned().unwrap_or_default();
    let t = tmdb.cloned().unwrap_or_default();
    let mut critic_stars = Vec::new();
    let mut push = |critic: Critic, stars: Option<f32>| {
        if let Some(stars) = stars.and_then(|s| Stars::from_f64(f64::from(s)).ok()) {
            critic_stars.push((critic.username(), stars));
        }
    };
    push(Critic::Imdb, o.imdb_rating.map(|r| imdb_to_stars(r as f32)));
    push(
        Critic::RottenTomatoes,
        o.rotten_tomatoes
            .and_then(|p| u8::try_from(p).ok())
            .map(rotten_tomatoes_to_stars),
    );
    push(
        Critic::Metacritic,
        o.metacritic
            .and_then(|p| u8::try_from(p).ok())
            .map(metacritic_to_stars),
    );
    NewDetails {
        details: StoredDetails {
            found: omdb.is_some() || tmdb.is_some(),
            plot: pick(o.plot.clone(), t.overview.clone()),
            actors: pick(o.actors.clone(), joined(&t.cast)),
            writers: pick(o.writers.clone(), joined(&t.writers)),
            language: pick(o.language.clone(), joined(&t.languages)),
            country: pick(o.country.clone(), joined(&t.countries)),
            metacritic: o.metacritic,
            sources: sources.join(","),
        },
        imdb_id: omdb
            .and_then(|o| o.imdb_id)
            .or(t.imdb_id)
            .map(|id| id.to_string()),
        tmdb_id: tmdb.and_then(|t| t.id).map(TmdbId::get),
        director: pick(o.director.clone(), joined(&t.directors)),
        runtime_min: o.runtime_min.or(t.runtime_min),
        imdb_rating: o.imdb_rating,
        imdb_votes: o.imdb_votes,
        rotten_tomatoes: o.rotten_tomatoes,
        critic_stars,
        posters: Vec::new(),
    }
}
