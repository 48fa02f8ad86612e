//! The statements of the data set imports, all run on the import's one transaction.

use sqlx::SqliteConnection;

/// A movie already in the database, as matching sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KnownMovie {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<i64>,
    pub movielens_id: Option<i64>,
}

pub async fn known_movies(conn: &mut SqliteConnection) -> sqlx::Result<Vec<KnownMovie>> {
    sqlx::query_as("SELECT id, title, year, imdb_id, tmdb_id, movielens_id FROM movies")
        .fetch_all(conn)
        .await
}

/// Fills the ids a movie does not have yet; ids it has are kept.
pub async fn fill_ids(
    conn: &mut SqliteConnection,
    id: i64,
    imdb_id: Option<&str>,
    tmdb_id: Option<i64>,
    movielens_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE movies SET imdb_id = COALESCE(imdb_id, $2), tmdb_id = COALESCE(tmdb_id, $3),
                           movielens_id = COALESCE(movielens_id, $4)
          WHERE id = $1",
    )
    .bind(id)
    .bind(imdb_id)
    .bind(tmdb_id)
    .bind(movielens_id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A movie new to the catalog, with its entry in the title search index; returns its id.
pub async fn insert_movie(
    conn: &mut SqliteConnection,
    title: &str,
    year: Option<i64>,
    imdb_id: Option<&str>,
    tmdb_id: Option<i64>,
    movielens_id: Option<i64>,
    search_title: &str,
) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO movies (title, year, imdb_id, tmdb_id, movielens_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(title)
    .bind(year)
    .bind(imdb_id)
    .bind(tmdb_id)
    .bind(movielens_id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO movie_search (rowid, search_title) VALUES ($1, $2)")
        .bind(id)
        .bind(search_title)
        .execute(conn)
        .await?;
    Ok(id)
}

/// The id of the genre named `name`, created if missing.
pub async fn genre_id(conn: &mut SqliteConnection, name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO genres (name) VALUES ($1)
         ON CONFLICT (name) DO UPDATE SET name = excluded.name
         RETURNING id",
    )
    .bind(name)
    .fetch_one(conn)
    .await
}

pub async fn add_genre(
    conn: &mut SqliteConnection,
    movie_id: i64,
    genre_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO movie_genres (movie_id, genre_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(movie_id)
    .bind(genre_id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The community raters already in the database: (account id, username).
pub async fn community_raters(conn: &mut SqliteConnection) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, username FROM users WHERE kind = 'community'")
        .fetch_all(conn)
        .await
}

/// A community rater: no password, so the account can never log in. Returns its id.
pub async fn insert_community_rater(
    conn: &mut SqliteConnection,
    username: &str,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (username, username_lower, password_hash, kind, created_at)
         VALUES ($1, $2, NULL, 'community', $3) RETURNING id",
    )
    .bind(username)
    .bind(username.to_lowercase())
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Ratings upserted per statement. Small on purpose: SQLite looks each `$N` parameter up by
/// name with a linear scan, so a statement's binding cost grows with its parameter count
/// squared; 1,000 rows a statement ran three times slower than 100.
pub const RATINGS_PER_STATEMENT: usize = 100;

/// One rating as stored: account, movie, stars, and when it reached this site in seconds
/// since 1970.
#[derive(Debug, Clone, Copy)]
pub struct RatingRow {
    pub user_id: i64,
    pub movie_id: i64,
    pub stars: f64,
    pub updated_at: i64,
}

/// Upserts up to [`RATINGS_PER_STATEMENT`] ratings in one statement; a rating already
/// stored with the same stars is left alone, time included, so a re-run writes nothing.
pub async fn upsert_ratings(conn: &mut SqliteConnection, rows: &[RatingRow]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = String::with_capacity(120 + rows.len() * 24)
        + "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ";
    for i in 0..rows.len() {
        if i > 0 {
            sql.push(',');
        }
        let p = i * 4;
        sql.push_str(&format!("(${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4));
    }
    sql.push_str(
        " ON CONFLICT (user_id, movie_id) DO UPDATE
            SET rating = excluded.rating, updated_at = excluded.updated_at
          WHERE ratings.rating <> excluded.rating",
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        query = query
            .bind(row.user_id)
            .bind(row.movie_id)
            .bind(row.stars)
            .bind(row.updated_at);
    }
    query.execute(conn).await.map(|_| ())
}
