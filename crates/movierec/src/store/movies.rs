use sqlx::SqlitePool;

use crate::domain::MovieId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Movie {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    pub release_date: Option<String>,
    pub director: Option<String>,
    pub mpaa: Option<String>,
    pub runtime_min: Option<i64>,
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    pub rotten_tomatoes: Option<i64>,
    pub creative_type: Option<String>,
    pub source: Option<String>,
    pub distributor: Option<String>,
    pub imdb_id: Option<String>,
}

/// A movie in a list, with a score whose meaning depends on the list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoredMovie {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    pub score: f64,
}

/// The average rating of our users (critic accounts excluded) and how many rated.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct UserAverage {
    pub average: Option<f64>,
    pub count: i64,
}

pub async fn find(pool: &SqlitePool, id: MovieId) -> sqlx::Result<Option<Movie>> {
    sqlx::query_as(
        "SELECT id, title, year, release_date, director, mpaa, runtime_min,
                imdb_rating, imdb_votes, rotten_tomatoes, creative_type, source, distributor,
                imdb_id
         FROM movies WHERE id = $1",
    )
    .bind(id.get())
    .fetch_optional(pool)
    .await
}

pub async fn genres(pool: &SqlitePool, id: MovieId) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT g.name FROM movie_genres mg JOIN genres g ON g.id = mg.genre_id
         WHERE mg.movie_id = $1 ORDER BY g.name",
    )
    .bind(id.get())
    .fetch_all(pool)
    .await
}

pub async fn user_average(pool: &SqlitePool, id: MovieId) -> sqlx::Result<UserAverage> {
    sqlx::query_as(
        "SELECT AVG(r.rating) AS average, COUNT(r.rating) AS count
         FROM ratings r JOIN users u ON u.id = r.user_id
         WHERE r.movie_id = $1 AND u.kind = 'user'",
    )
    .bind(id.get())
    .fetch_one(pool)
    .await
}

/// Movies every critic account rated, best average first; ties go to the more voted.
pub async fn top_rated_by_critics(pool: &SqlitePool, limit: i64) -> sqlx::Result<Vec<ScoredMovie>> {
    sqlx::query_as(
        "SELECT m.id, m.title, m.year, AVG(r.rating) AS score
         FROM movies m
         JOIN ratings r ON r.movie_id = m.id
         JOIN users u ON u.id = r.user_id AND u.kind = 'critic'
         GROUP BY m.id, m.title, m.year, m.imdb_votes
         HAVING COUNT(*) = (SELECT COUNT(*) FROM users WHERE kind = 'critic')
         ORDER BY score DESC, m.imdb_votes DESC, m.id
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn count(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM movies")
        .fetch_one(pool)
        .await
}
