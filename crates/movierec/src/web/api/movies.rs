//! `GET /api/v1/movies/{id}` (what the movie page shows), `GET /api/v1/search` (the search
//! page's parameters and checks) and `GET /api/v1/genres` (the search page's genre list).

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use crate::domain::{MovieId, PageNumber, Stars};
use crate::search::{SearchParams, SearchRequest};
use crate::services::any_movie::Source;
use crate::services::movie_page::{self, Lookup};
use crate::services::search;
use crate::store::movie_search::Hit;
use crate::web::error::AppError;
use crate::web::extract::ApiId;
use crate::web::session::MaybeUser;
use crate::web::state::AppState;

#[derive(Debug, Serialize)]
pub struct MovieResponse {
    id: i64,
    title: String,
    year: Option<i64>,
    release_date: Option<String>,
    genres: Vec<String>,
    director: Option<String>,
    mpaa: Option<String>,
    runtime_min: Option<i64>,
    creative_type: Option<String>,
    source: Option<String>,
    distributor: Option<String>,
    /// `tt` and at least seven digits, when known.
    imdb_id: Option<String>,
    /// IMDb users, 0–10.
    imdb_rating: Option<f64>,
    imdb_votes: Option<i64>,
    /// Rotten Tomatoes critics, percent positive.
    rotten_tomatoes: Option<i64>,
    /// Our users (not the critic accounts), in stars.
    users_average: Option<f64>,
    users_count: i64,
    /// Community raters (an imported MovieLens set), in stars; apart from our users.
    community_average: Option<f64>,
    community_count: i64,
    /// The caller's own rating; always null when not logged in.
    your_rating: Option<f64>,
    /// From OMDb / TMDB once the movie page (or the enrichment job) fetched them.
    details: Option<ProviderDetailsJson>,
}

/// What the providers added to a movie.
#[derive(Debug, Serialize)]
pub struct ProviderDetailsJson {
    plot: Option<String>,
    actors: Option<String>,
    writers: Option<String>,
    language: Option<String>,
    country: Option<String>,
    /// Metascore, 0–100.
    metacritic: Option<i64>,
    /// On our origin, 342×513 at most.
    poster_url: Option<String>,
    /// TMDB's notice, when its data is part of this.
    attribution: Option<&'static str>,
}

/// The movie; a film merged into another answers 308 to that film's URL.
#[tracing::instrument(skip_all, fields(movie = %id))]
pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    ApiId(id): ApiId<MovieId>,
) -> Result<Response, AppError> {
    let facts = match movie_page::facts(&state.pool, id, user.map(|me| me.id)).await? {
        Lookup::Found(facts) => facts,
        Lookup::MergedInto(to) => {
            return Ok(Redirect::permanent(&format!("/api/v1/movies/{to}")).into_response());
        }
        Lookup::NotFound => return Err(AppError::no_such_movie(id)),
    };
    let movie = facts.details.movie;
    let poster_url = facts.poster.map(|p| p.url());
    let details = facts.extra.map(|x| ProviderDetailsJson {
        attribution: x.from_tmdb().then_some(crate::providers::tmdb::ATTRIBUTION),
        plot: x.plot,
        actors: x.actors,
        writers: x.writers,
        language: x.language,
        country: x.country,
        metacritic: x.metacritic,
        poster_url,
    });
    Ok(Json(MovieResponse {
        id: movie.id,
        title: movie.title,
        year: movie.year,
        release_date: movie.release_date,
        genres: facts.details.genres,
        director: movie.director,
        mpaa: movie.mpaa,
        runtime_min: movie.runtime_min,
        creative_type: movie.creative_type,
        source: movie.source,
        distributor: movie.distributor,
        imdb_id: movie.imdb_id,
        imdb_rating: movie.imdb_rating,
        imdb_votes: movie.imdb_votes,
        rotten_tomatoes: movie.rotten_tomatoes,
        users_average: facts.details.average.average,
        users_count: facts.details.average.count,
        community_average: movie.community_rating,
        community_count: movie.community_votes.unwrap_or(0),
        your_rating: facts.your_rating.map(Stars::value),
        details,
    })
    .into_response())
}

#[derive(Debug, Serialize)]
pub struct SearchResponse {
    query: Option<String>,
    page: i64,
    pages: i64,
    per_page: i64,
    total: i64,
    /// A title search stopped at its cap: `total` is a floor, more films may match.
    capped: bool,
    results: Vec<SearchHitJson>,
    /// Films not in the catalog from a provider (`source` `tmdb` or `omdb`), when the
    /// catalog has few matches and a key is set; `GET` on `url` adds one and shows it.
    from_providers: Vec<ProviderHitJson>,
}

/// A provider's film not in the catalog.
#[derive(Debug, Serialize)]
pub struct ProviderHitJson {
    source: Source,
    provider_id: String,
    title: String,
    year: Option<i64>,
    url: String,
}

/// One search result.
#[derive(Debug, Serialize)]
pub struct SearchHitJson {
    /// Always `catalog`: the film is ours (provider films come in `from_providers`).
    source: &'static str,
    id: i64,
    title: String,
    year: Option<i64>,
    genres: Vec<String>,
    imdb_rating: Option<f64>,
    imdb_votes: Option<i64>,
    /// What `sort=votes` orders by: IMDb votes, else community raters, else site raters.
    votes: Option<i64>,
    imdb_id: Option<String>,
}

impl From<Hit> for SearchHitJson {
    fn from(hit: Hit) -> Self {
        Self {
            source: "catalog",
            id: hit.id,
            title: hit.title,
            year: hit.year,
            genres: split_genres(&hit.genres),
            imdb_rating: hit.imdb_rating,
            imdb_votes: hit.imdb_votes,
            votes: hit.votes,
            imdb_id: hit.imdb_id,
        }
    }
}

fn split_genres(genres: &str) -> Vec<String> {
    genres
        .split(", ")
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn search(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResponse>, AppError> {
    let index = state.search.current(&state.pool).await?;
    let request = SearchRequest::parse_or_browse(&params)
        .map_err(|e| AppError::bad_request(e.to_string()))?;
    let user_id = user.map(|me| me.id);
    let found = search::find(&state.pool, &state.providers, &index, &request, user_id).await?;
    let results = found.results;
    let from_providers = found
        .from_providers
        .into_iter()
        .map(|h| ProviderHitJson {
            url: h.open_url(),
            source: h.source,
            provider_id: h.provider_id,
            title: h.title,
            year: h.year,
        })
        .collect();
    Ok(Json(SearchResponse {
        query: request.query.map(|q| q.as_str().to_owned()),
        page: results.page,
        pages: results.pages,
        per_page: PageNumber::PER_PAGE,
        total: results.total,
        capped: results.capped,
        results: results.hits.into_iter().map(SearchHitJson::from).collect(),
        from_providers,
    }))
}

#[derive(Debug, Serialize)]
pub struct GenresResponse {
    genres: Vec<GenreJson>,
}

/// A genre `GET /api/v1/search` filters by, and its number of films.
#[derive(Debug, Serialize)]
pub struct GenreJson {
    name: &'static str,
    films: usize,
}

/// The vocabulary's genres some film has, in its order, with their number of films: the
/// names `genre` takes.
pub async fn genres(State(state): State<AppState>) -> Result<Json<GenresResponse>, AppError> {
    let index = state.search.current(&state.pool).await?;
    Ok(Json(GenresResponse {
        genres: index
            .genres()
            .into_iter()
            .map(|g| GenreJson {
                name: g.name,
                films: g.films,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::split_genres;

    #[test]
    fn genres_come_apart_and_none_is_empty() {
        assert_eq!(
            split_genres("Drama, Thriller/Suspense"),
            ["Drama", "Thriller/Suspense"]
        );
        assert!(split_genres("").is_empty());
    }
}
