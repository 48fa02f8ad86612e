//! The statements of the data set imports, all run on the import's one transaction.

use crate::store::DbConn;

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

pub async fn known_movies(conn: &mut DbConn) -> sqlx::Result<Vec<KnownMovie>> {
    sqlx::query_as("SELECT id, title, year, imdb_id, tmdb_id, movielens_id FROM movies")
        .fetch_all(conn)
        .await
}

/// Fills the ids a movie does not have yet; ids it has are kept.
pub async fn fill_ids(
    conn: &mut DbConn,
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
    conn: &mut DbConn,
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
    insert_search_title(conn, id, search_title).await?;
    Ok(id)
}

/// The id of the genre named `name`, created if missing.
pub async fn genre_id(conn: &mut DbConn, name: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO genres (name) VALUES ($1)
         ON CONFLICT (name) DO UPDATE SET name = excluded.name
         RETURNING id",
    )
    .bind(name)
    .fetch_one(conn)
    .await
}

pub async fn add_genre(conn: &mut DbConn, movie_id: i64, genre_id: i64) -> sqlx::Result<()> {
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
pub async fn community_raters(conn: &mut DbConn) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, username FROM users WHERE kind = 'community'")
        .fetch_all(conn)
        .await
}

/// A community rater: no password, so the account can never log in. Returns its id.
pub async fn insert_community_rater(
    conn: &mut DbConn,
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

/// Gives this connection a page cache of `mib` MiB. An import of tens of millions of ratings
/// inserts into the by-movie index in random order; with the index in memory each insert
/// is a memory operation instead of a read of a page from disk.
/// PostgreSQL sizes its shared buffers server-wide, so there this does nothing.
pub async fn set_cache_size(conn: &mut DbConn, mib: u32) -> sqlx::Result<()> {
    if super::Backend::of_conn(conn) == super::Backend::Postgres {
        return Ok(());
    }
    // A negative cache_size is in KiB.
    sqlx::query(&format!("PRAGMA cache_size = -{}", u64::from(mib) * 1024))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Whether the ratings table holds fewer than `rows` ratings; cheap on any size of table.
pub async fn ratings_fewer_than(conn: &mut DbConn, rows: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM ratings LIMIT $1) AS r")
        .bind(rows)
        .fetch_one(conn)
        .await?;
    Ok(n < rows)
}

/// The definition of a secondary index dropped for a bulk load, to create it again after.
#[derive(Debug, Clone)]
pub struct DroppedIndex {
    name: String,
    sql: String,
}

/// Drops the ratings table's secondary indexes and returns their definitions, as SQLite
/// stores them, for [`sqlite_create_indexes`]. Inserting millions of ratings would write the by-movie index
/// in random order, a page read and write per row once it outgrows the cache; building it
/// after the rows are in is one sorted pass. Run on the import's transaction, so a failure
/// rolls the drop back with everything else. SQLite only: on PostgreSQL nothing is dropped.
pub async fn sqlite_drop_rating_indexes(conn: &mut DbConn) -> sqlx::Result<Vec<DroppedIndex>> {
    if super::Backend::of_conn(conn) == super::Backend::Postgres {
        return Ok(Vec::new());
    }
    // `sql` is NULL for the primary key's own index, which stays: upserts look rows up by it.
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master
          WHERE type = 'index' AND tbl_name = 'ratings' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(indexes
        .into_iter()
        .map(|(name, sql)| DroppedIndex { name, sql })
        .collect())
}

/// Creates again the indexes [`sqlite_drop_rating_indexes`] dropped; returns their names.
pub async fn sqlite_create_indexes(
    conn: &mut DbConn,
    indexes: &[DroppedIndex],
) -> sqlx::Result<Vec<String>> {
    for index in indexes {
        sqlx::query(&index.sql).execute(&mut *conn).await?;
    }
    Ok(indexes.iter().map(|i| i.name.clone()).collect())
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
pub async fn upsert_ratings(conn: &mut DbConn, rows: &[RatingRow]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // A full batch's statement is built once: tens of millions of ratings make hundreds of
    // thousands of statements, and building each text anew showed in the profile.
    static FULL_BATCH: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| upsert_ratings_sql(RATINGS_PER_STATEMENT));
    let partial;
    let sql = if rows.len() == RATINGS_PER_STATEMENT {
        FULL_BATCH.as_str()
    } else {
        partial = upsert_ratings_sql(rows.len());
        partial.as_str()
    };
    let mut query = sqlx::query(sql);
    for row in rows {
        query = query
            .bind(row.user_id)
            .bind(row.movie_id)
            .bind(row.stars)
            .bind(row.updated_at);
    }
    query.execute(conn).await.map(|_| ())
}

/// The upsert of `rows` ratings in one statement.
fn upsert_ratings_sql(rows: usize) -> String {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(200 + rows * 24)
        + "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES ";
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        let p = i * 4;
        let _ = write!(sql, "(${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4);
    }
    sql.push_str(
        " ON CONFLICT (user_id, movie_id) DO UPDATE
            SET rating = excluded.rating, updated_at = excluded.updated_at
          WHERE ratings.rating <> excluded.rating",
    );
    sql
}

/// A movie as the IMDb import compares it: the fields the import writes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CatalogFilm {
    pub id: i64,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i64>,
    pub runtime_min: Option<i64>,
    pub director: Option<String>,
    pub imdb_id: Option<String>,
    pub imdb_rating: Option<f64>,
    pub imdb_votes: Option<i64>,
    /// A JSON array of genre names.
    pub genres: String,
}

/// Every movie, with the fields an IMDb import may change.
pub async fn catalog_films(conn: &mut DbConn) -> sqlx::Result<Vec<CatalogFilm>> {
    let genres = super::Backend::of_conn(conn).json_array_agg("g.name");
    sqlx::query_as(&format!(
        "SELECT m.id, m.title, m.original_title, m.year, m.runtime_min, m.director, m.imdb_id,
                m.imdb_rating, m.imdb_votes,
                (SELECT {genres} FROM movie_genres mg
                 JOIN genres g ON g.id = mg.genre_id WHERE mg.movie_id = m.id) AS genres
         FROM movies m"
    ))
    .fetch_all(conn)
    .await
}

/// What IMDb's files say of a film.
#[derive(Debug, Clone, PartialEq)]
pub struct ImdbFields {
    pub imdb_id: String,
    pub title: String,
    /// Only when it differs from the title.
    pub original_title: Option<String>,
    pub year: Option<i64>,
    pub runtime_min: Option<i64>,
    /// `None` when the import had no crew file: the stored director is kept.
    pub director: Option<String>,
    pub imdb_rating: f64,
    pub imdb_votes: i64,
}

/// Writes IMDb's fields over movie `id`, its IMDb id included.
pub async fn update_film(conn: &mut DbConn, id: i64, fields: &ImdbFields) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE movies SET imdb_id = $2, title = $3, original_title = $4, year = $5,
                           runtime_min = $6, director = COALESCE($7, director),
                           imdb_rating = $8, imdb_votes = $9
          WHERE id = $1",
    )
    .bind(id)
    .bind(&fields.imdb_id)
    .bind(&fields.title)
    .bind(&fields.original_title)
    .bind(fields.year)
    .bind(fields.runtime_min)
    .bind(&fields.director)
    .bind(fields.imdb_rating)
    .bind(fields.imdb_votes)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A film new to the catalog, with its entry in the title search index; returns its id.
pub async fn insert_film(
    conn: &mut DbConn,
    fields: &ImdbFields,
    search_title: &str,
) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO movies (imdb_id, title, original_title, year, runtime_min, director,
                             imdb_rating, imdb_votes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&fields.imdb_id)
    .bind(&fields.title)
    .bind(&fields.original_title)
    .bind(fields.year)
    .bind(fields.runtime_min)
    .bind(&fields.director)
    .bind(fields.imdb_rating)
    .bind(fields.imdb_votes)
    .fetch_one(&mut *conn)
    .await?;
    set_search_title(conn, id, search_title).await?;
    Ok(id)
}

/// Replaces a movie's entry in the title search index.
pub async fn set_search_title(conn: &mut DbConn, id: i64, search_title: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM movie_search WHERE rowid = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    insert_search_title(conn, id, search_title).await
}

/// A new movie's entry in the title search index.
pub(super) async fn insert_search_title(
    conn: &mut DbConn,
    id: i64,
    search_title: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO movie_search (rowid, search_title) VALUES ($1, $2)")
        .bind(id)
        .bind(search_title)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Makes `genre_ids` the movie's genres, and only those.
pub async fn set_genres(conn: &mut DbConn, movie_id: i64, genre_ids: &[i64]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM movie_genres WHERE movie_id = $1")
        .bind(movie_id)
        .execute(&mut *conn)
        .await?;
    for &genre_id in genre_ids {
        add_genre(conn, movie_id, genre_id).await?;
    }
    Ok(())
}

/// The community raters' average and count per movie, as stored: (movie, average, count).
pub async fn community_averages(conn: &mut DbConn) -> sqlx::Result<Vec<(i64, f64, i64)>> {
    sqlx::query_as(
        "SELECT id, community_rating, community_votes FROM movies
          WHERE community_votes IS NOT NULL",
    )
    .fetch_all(conn)
    .await
}

/// Stores a movie's community average; `None` clears it.
pub async fn set_community_average(
    conn: &mut DbConn,
    movie_id: i64,
    average: Option<(f64, i64)>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE movies SET community_rating = $2, community_votes = $3 WHERE id = $1")
        .bind(movie_id)
        .bind(super::NullableF64(average.map(|a| a.0)))
        .bind(average.map(|a| a.1))
        .execute(conn)
        .await
        .map(|_| ())
}

/// One source of the catalog, as the Model page lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CatalogSource {
    /// `embedded`, `imdb` or `movielens`.
    pub kind: String,
    pub name: String,
    /// The date of the data (`YYYY-MM-DD`), when known.
    pub data_date: Option<String>,
    /// Epoch seconds.
    pub imported_at: i64,
    pub movies: i64,
    pub ratings: i64,
    pub raters: i64,
}

/// Records what a source brought, replacing the record of an earlier import of it.
pub async fn record_source(conn: &mut DbConn, source: &CatalogSource) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO catalog_sources (kind, name, data_date, imported_at, movies, ratings, raters)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (kind, name) DO UPDATE
            SET data_date = excluded.data_date, imported_at = excluded.imported_at,
                movies = excluded.movies, ratings = excluded.ratings, raters = excluded.raters",
    )
    .bind(&source.kind)
    .bind(&source.name)
    .bind(&source.data_date)
    .bind(source.imported_at)
    .bind(source.movies)
    .bind(source.ratings)
    .bind(source.raters)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Every recorded source: the embedded catalog first, then by kind and name.
pub async fn catalog_sources(pool: &crate::store::Db) -> sqlx::Result<Vec<CatalogSource>> {
    sqlx::query_as(
        "SELECT kind, name, data_date, imported_at, movies, ratings, raters FROM catalog_sources
          ORDER BY kind <> 'embedded', kind, name",
    )
    .fetch_all(pool)
    .await
}

/// Records the embedded catalog as a source once; later starts leave the record alone.
pub async fn record_embedded(
    pool: &crate::store::Db,
    name: &str,
    movies: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO catalog_sources (kind, name, imported_at, movies)
         VALUES ('embedded', $1, $2, $3) ON CONFLICT (kind, name) DO NOTHING",
    )
    .bind(name)
    .bind(now)
    .bind(movies)
    .execute(pool)
    .await
    .map(|_| ())
}
