use sqlx::SqlitePool;

use crate::domain::{MovieId, Stars};

/// Orders for a user's list of ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingSort {
    /// Most recently rated first.
    Recent,
    /// Highest rating first, then most recent.
    Rating,
    /// Alphabetical by title.
    Title,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RatedMovie {
    pub movie_id: i64,
    pub title: String,
    pub year: Option<i64>,
    pub rating: f64,
    pub updated_at: i64,
}

/// Sets a user's rating of a movie. Returns `false`, changing nothing, when the movie
/// does not exist.
pub async fn upsert(
    pool: &SqlitePool,
    user_id: i64,
    movie: MovieId,
    stars: Stars,
) -> sqlx::Result<bool> {
    // One statement, so SQLite takes the write lock up front and waits its busy timeout for
    // another writer (a model being stored). A read-then-write transaction would instead fail
    // at once with "database is locked" when a write lands between its two statements.
    let done = sqlx::query(
        "INSERT INTO ratings (user_id, movie_id, rating, updated_at)
         SELECT $1, id, $3, $4 FROM movies WHERE id = $2
         ON CONFLICT (user_id, movie_id)
         DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(movie.get())
    .bind(stars.value())
    .bind(super::now())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes a rating; returns whether there was one.
pub async fn delete(pool: &SqlitePool, user_id: i64, movie: MovieId) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM ratings WHERE user_id = $1 AND movie_id = $2")
        .bind(user_id)
        .bind(movie.get())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn find(pool: &SqlitePool, user_id: i64, movie: MovieId) -> sqlx::Result<Option<f64>> {
    sqlx::query_scalar("SELECT rating FROM ratings WHERE user_id = $1 AND movie_id = $2")
        .bind(user_id)
        .bind(movie.get())
        .fetch_optional(pool)
        .await
}

pub async fn count_for_user(pool: &SqlitePool, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ratings WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await
}

pub async fn list_for_user(
    pool: &SqlitePool,
    user_id: i64,
    sort: RatingSort,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<RatedMovie>> {
    // Only these three fixed strings are ever spliced into the SQL.
    let order = match sort {
        RatingSort::Recent => "r.updated_at DESC, m.title, m.id",
        RatingSort::Rating => "r.rating DESC, r.updated_at DESC, m.id",
        RatingSort::Title => "m.title, m.year, m.id",
    };
    sqlx::query_as(&format!(
        "SELECT r.movie_id, m.title, m.year, r.rating, r.updated_at
         FROM ratings r JOIN movies m ON m.id = r.movie_id
         WHERE r.user_id = $1
         ORDER BY {order}
         LIMIT $2 OFFSET $3"
    ))
    .bind(user_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

/// One rating as the training job reads it.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct TrainingRating {
    pub user_id: i64,
    pub movie_id: i64,
    pub rating: f64,
}

/// Every rating, by users and critic accounts alike, in a stable order.
pub async fn all_for_training(pool: &SqlitePool) -> sqlx::Result<Vec<TrainingRating>> {
    sqlx::query_as("SELECT user_id, movie_id, rating FROM ratings ORDER BY user_id, movie_id")
        .fetch_all(pool)
        .await
}

/// Ratings added or changed after the second `since` (epoch seconds).
pub async fn count_changed_after(pool: &SqlitePool, since: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ratings WHERE updated_at > $1")
        .bind(since)
        .fetch_one(pool)
        .await
}

pub async fn count_all(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ratings")
        .fetch_one(pool)
        .await
}
