//! `GET /api/v1/movies/{id}`: what the movie page shows.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use super::{imdb_tenths, no_such_movie, path_movie_id};
use crate::store;
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
    /// IMDb users, 0–10.
    imdb_rating: Option<f64>,
    imdb_votes: Option<i64>,
    /// Rotten Tomatoes critics, percent positive.
    rotten_tomatoes: Option<i64>,
    /// Our users (not the critic accounts), in stars.
    users_average: Option<f64>,
    users_count: i64,
    /// The caller's own rating; always null when not logged in.
    your_rating: Option<f64>,
}

pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(raw): Path<String>,
) -> Result<Json<MovieResponse>, AppError> {
    let id = path_movie_id("id", &raw)?;
    let movie = store::movies::find(&state.pool, id)
        .await?
        .ok_or_else(|| no_such_movie(id))?;
    let genres = store::movies::genres(&state.pool, id).await?;
    let average = store::movies::user_average(&state.pool, id).await?;
    let your_rating = match user {
        Some(me) => store::ratings::find(&state.pool, me.id, id).await?,
        None => None,
    };
    Ok(Json(MovieResponse {
        id: movie.id,
        title: movie.title,
        year: movie.year,
        release_date: movie.release_date,
        genres,
        director: movie.director,
        mpaa: movie.mpaa,
        runtime_min: movie.runtime_min,
        creative_type: movie.creative_type,
        source: movie.source,
        distributor: movie.distributor,
        imdb_rating: imdb_tenths(movie.imdb_rating),
        imdb_votes: movie.imdb_votes,
        rotten_tomatoes: movie.rotten_tomatoes,
        users_average: average.average,
        users_count: average.count,
        your_rating,
    }))
}
