//! `GET /api/v1/movies/{id}` (what the movie page shows) and `GET /api/v1/search` (the search
//! page's parameters and checks).

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Serialize;

use super::path_movie_id;
use crate::domain::{PageNumber, Stars};
use crate::search::{self, SearchParams, SearchRequest};
use crate::services::movie_page;
use crate::store;
use crate::store::movie_search::Hit;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::MaybeUser;

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
}

pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(raw): Path<String>,
) -> Result<Json<MovieResponse>, AppError> {
    let id = path_movie_id("id", &raw)?;
    let facts = movie_page::facts(&state.pool, id, user.map(|me| me.id))
        .await?
        .ok_or_else(|| AppError::no_such_movie(id))?;
    let movie = facts.details.movie;
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
    }))
}

#[derive(Debug, Serialize)]
pub struct SearchResponse {
    query: Option<String>,
    page: i64,
    pages: i64,
    per_page: i64,
    total: i64,
    results: Vec<SearchHitJson>,
}

/// One search result.
#[derive(Debug, Serialize)]
pub struct SearchHitJson {
    id: i64,
    title: String,
    year: Option<i64>,
    genres: Vec<String>,
    imdb_rating: Option<f64>,
    imdb_votes: Option<i64>,
    imdb_id: Option<String>,
}

impl From<Hit> for SearchHitJson {
    fn from(hit: Hit) -> Self {
        Self {
            id: hit.id,
            title: hit.title,
            year: hit.year,
            genres: split_genres(&hit.genres),
            imdb_rating: hit.imdb_rating,
            imdb_votes: hit.imdb_votes,
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
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResponse>, AppError> {
    let genres = store::movie_search::genres(&state.pool).await?;
    let request = SearchRequest::parse_or_browse(&params, &genres)
        .map_err(|e| AppError::bad_request(e.to_string()))?;
    let results = search::run(&state.pool, &request).await?;
    Ok(Json(SearchResponse {
        query: request.query.map(|q| q.as_str().to_owned()),
        page: results.page,
        pages: results.pages,
        per_page: PageNumber::PER_PAGE,
        total: results.total,
        results: results.hits.into_iter().map(SearchHitJson::from).collect(),
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
