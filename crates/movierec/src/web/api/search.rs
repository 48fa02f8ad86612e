//! `GET /api/v1/search`: the search page's parameters and checks, as JSON.

use axum::Json;

use axum::extract::{Query, State};
use serde::Serialize;

use crate::search::{self, PER_PAGE, SearchParams, SearchRequest};
use crate::store;
use crate::store::search::Hit;
use crate::web::AppState;
use crate::web::error::AppError;

#[derive(Debug, Serialize)]
pub struct SearchResponse {
    query: Option<String>,
    page: i64,
    pages: i64,
    per_page: i64,
    total: i64,
    results: Vec<MovieSummary>,
}

#[derive(Debug, Serialize)]
pub struct MovieSummary {
    id: i64,
    title: String,
    year: Option<i64>,
    genres: Vec<String>,
    imdb_rating: Option<f64>,
    imdb_votes: Option<i64>,
}

impl From<Hit> for MovieSummary {
    fn from(hit: Hit) -> Self {
        Self {
            id: hit.id,
            title: hit.title,
            year: hit.year,
            genres: split_genres(&hit.genres),
            imdb_rating: hit.imdb_rating,
            imdb_votes: hit.imdb_votes,
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
    let genres = store::search::genres(&state.pool).await?;
    let request = SearchRequest::parse_or_browse(&params, &genres)
        .map_err(|e| AppError::bad_request(e.to_string()))?;
    let results = search::run(&state.pool, &request).await?;
    Ok(Json(SearchResponse {
        query: request.query.map(|q| q.as_str().to_owned()),
        page: results.page,
        pages: results.pages,
        per_page: PER_PAGE,
        total: results.total,
        results: results.hits.into_iter().map(MovieSummary::from).collect(),
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
