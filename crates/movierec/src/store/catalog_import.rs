//! The statements of a catalog import (MovieLens, IMDb), all run on the import's one
//! transaction.

use crate::domain::{Stars, UserId};
use crate::store::DbConn;

/// A movie already in the database, as matching sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KnownMovie {
    pub id: i64,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i64>,
    /// Which source gave `year` (see the film identity migration).
    pub year_source: Option<String>,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<i64>,
    pub movielens_id: Option<i64>,
}

pub async fn known_movies(conn: &mut DbConn) -> sqlx::Result<Vec<KnownMovie>> {
    sqlx::query_as(
        "SELECT id, title, original_title, year, year_source, imdb_id, tmdb_id, movielens_id
         FROM movies",
    )
    .fetch_all(conn)
    .await
}

/// An alternative title of a film as matching reads it: the film, the title's key and the
/// year its source gave.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlternativeTitle {
    pub movie_id: i64,
    pub title_key: String,
    pub year: Option<i64>,
}

pub async fn alternative_titles(conn: &mut DbConn) -> sqlx::Result<Vec<AlternativeTitle>> {
    sqlx::query_as("SELECT movie_id, title_key, year FROM movie_titles")
        .fetch_all(conn)
        .await
}

/// A name a source gave a film, to keep beside its display title.
#[derive(Debug, Clone)]
pub struct TitleRow {
    pub movie_id: i64,
    pub title_key: String,
    pub title: String,
    pub year: Option<i64>,
    /// `embedded`, `movielens`, `imdb`, `user` or `provider`.
    pub source: &'static str,
}

/// Keeps `rows` as alternative titles; a film's title already kept from a source stays as
/// it is. A thousand to a statement: a large MovieLens set brings tens of thousands.
pub async fn insert_titles(conn: &mut DbConn, rows: &[TitleRow]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    super::movie_search::note_catalog_write();
    let backend = super::Backend::of_conn(conn);
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO movie_titles (movie_id, title_key, title, year, source) VALUES {}
             ON CONFLICT DO NOTHING",
            backend.values(chunk.len(), 5)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(row.movie_id)
                .bind(&row.title_key)
                .bind(&row.title)
                .bind(row.year)
                .bind(row.source);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets a film's display title and its entry in the title search index.
pub async fn set_title(
    conn: &mut DbConn,
    id: i64,
    title: &str,
    search_title: &str,
) -> sqlx::Result<()> {
    super::movie_search::note_catalog_write();
    sqlx::query("UPDATE movies SET title = $2 WHERE id = $1")
        .bind(id)
        .bind(title)
        .execute(&mut *conn)
        .await?;
    set_search_title(conn, id, search_title).await
}

/// Sets a film's year and the source it came from.
pub async fn set_year(
    conn: &mut DbConn,
    id: i64,
    year: i64,
    source: &'static str,
) -> sqlx::Result<()> {
    super::movie_search::note_catalog_write();
    sqlx::query("UPDATE movies SET year = $2, year_source = $3 WHERE id = $1")
        .bind(id)
        .bind(year)
        .bind(source)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Fills the ids a movie does not have yet; ids it has are kept.
pub async fn fill_ids(
    conn: &mut DbConn,
    id: i64,
    imdb_id: Option<&str>,
    tmdb_id: Option<i64>,
    movielens_id: Option<i64>,
) -> sqlx::Result<()> {
    super::movie_search::note_catalog_write();
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
    super::movie_search::note_catalog_write();
    // No count is known yet: a provider's film ranks after the counted ones until enrichment
    // brings IMDb's votes or the site's ratings count at the next refresh.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO movies (title, year, imdb_id, tmdb_id, movielens_id, votes)
         VALUES ($1, $2, $3, $4, $5, 0) RETURNING id",
    )
    .bind(title)
    .bind(year)
    .bind(imdb_id)
    .bind(tmdb_id)
    .bind(movielens_id)
    .fetch_one(&mut *conn)
    .await?;
    super::movie_search::insert_search_title(conn, id, search_title).await?;
    Ok(id)
}

/// The id of the genre named `name`, created if missing.
pub async fn genre_id(conn: &mut DbConn, name: &str) -> sqlx::Result<i64> {
    super::movie_search::note_catalog_write();
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
    super::movie_search::note_catalog_write();
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
pub async fn community_raters(conn: &mut DbConn) -> sqlx::Result<Vec<(UserId, String)>> {
    sqlx::query_as("SELECT id, username FROM users WHERE kind = 'community'")
        .fetch_all(conn)
        .await
}

/// Community raters: no password, so the accounts can never log in. Many to a statement, as
/// a large set brings hundreds of thousands. Returns (account id, username) of each, in no
/// particular order.
pub async fn insert_community_raters(
    conn: &mut DbConn,
    usernames: &[String],
    now: i64,
) -> sqlx::Result<Vec<(UserId, String)>> {
    let backend = super::Backend::of_conn(conn);
    let mut added = Vec::with_capacity(usernames.len());
    for chunk in usernames.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO users (username, username_lower, password_hash, kind, created_at)
             VALUES {} RETURNING id, username",
            backend.values(chunk.len(), 5)
        );
        let mut query = sqlx::query_as::<_, (UserId, String)>(&sql);
        for username in chunk {
            query = query
                .bind(username)
                .bind(username.to_lowercase())
                .bind(None::<String>)
                .bind("community")
                .bind(now);
        }
        added.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(added)
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

/// Ratings upserted per statement on SQLite: four parameters each, within SQLite's limit of
/// 32,766. With `?` placeholders binding is linear, so the cost left per statement is the
/// hand-off to the driver's worker thread, paid once per this many rows.
const SQLITE_RATINGS_PER_STATEMENT: usize = 8_000;
/// Ratings upserted per statement on PostgreSQL, whose `$N` parameters bind in linear time.
const POSTGRES_RATINGS_PER_STATEMENT: usize = 1_000;

/// The most ratings [`upsert_ratings`] takes in one call on `conn`'s backend.
pub fn ratings_per_statement(conn: &DbConn) -> usize {
    match super::Backend::of_conn(conn) {
        super::Backend::Sqlite => SQLITE_RATINGS_PER_STATEMENT,
        super::Backend::Postgres => POSTGRES_RATINGS_PER_STATEMENT,
    }
}

/// One rating as stored: account, movie, stars, and when it reached this site in seconds
/// since 1970.
#[derive(Debug, Clone, Copy)]
pub struct RatingRow {
    pub user_id: UserId,
    pub movie_id: i64,
    pub stars: Stars,
    pub updated_at: i64,
}

/// Upserts up to [`ratings_per_statement`] ratings in one statement; a rating already
/// stored with the same stars is left alone, time included, so a re-run writes nothing.
pub async fn upsert_ratings(conn: &mut DbConn, rows: &[RatingRow]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = super::Backend::of_conn(conn);
    let full = ratings_per_statement(conn);
    assert!(
        rows.len() <= full,
        "{} ratings in one statement",
        rows.len()
    );
    // A full batch's statement is built once: tens of millions of ratings make thousands of
    // statements, and building each text anew showed in the profile.
    static SQLITE_FULL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        upsert_ratings_sql(super::Backend::Sqlite, SQLITE_RATINGS_PER_STATEMENT)
    });
    static POSTGRES_FULL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        upsert_ratings_sql(super::Backend::Postgres, POSTGRES_RATINGS_PER_STATEMENT)
    });
    let partial;
    let sql = match backend {
        _ if rows.len() != full => {
            partial = upsert_ratings_sql(backend, rows.len());
            partial.as_str()
        }
        super::Backend::Sqlite => SQLITE_FULL.as_str(),
        super::Backend::Postgres => POSTGRES_FULL.as_str(),
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
fn upsert_ratings_sql(backend: super::Backend, rows: usize) -> String {
    format!(
        "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES {}
         ON CONFLICT (user_id, movie_id) DO UPDATE
            SET rating = excluded.rating, updated_at = excluded.updated_at
          WHERE ratings.rating <> excluded.rating",
        backend.values(rows, 4)
    )
}

/// Movies, search entries, genre links or raters inserted per statement: a few thousand
/// parameters, well within both backends' limits.
const ROWS_PER_INSERT: usize = 1_000;

/// A MovieLens movie new to the catalog.
#[derive(Debug, Clone)]
pub struct NewMovie {
    pub title: String,
    pub year: Option<i64>,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<i64>,
    /// Unique among the catalog's movies: how the new rows' ids are found again.
    pub movielens_id: i64,
    pub search_title: String,
    pub genre_ids: Vec<i64>,
}

/// Adds `movies` to the catalog with their title search entries and genres, a thousand to a
/// statement: one statement per movie cost a hand-off to SQLite's worker thread each, most
/// of an import's movie phase. Returns their ids, in the order given.
pub async fn insert_movielens_movies(
    conn: &mut DbConn,
    movies: &[NewMovie],
) -> sqlx::Result<Vec<i64>> {
    super::movie_search::note_catalog_write();
    let backend = super::Backend::of_conn(conn);
    let mut ids = Vec::with_capacity(movies.len());
    for chunk in movies.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO movies (title, year, imdb_id, tmdb_id, movielens_id, year_source)
             VALUES {}",
            backend.values(chunk.len(), 6)
        );
        let mut query = sqlx::query(&sql);
        for movie in chunk {
            query = query
                .bind(&movie.title)
                .bind(movie.year)
                .bind(&movie.imdb_id)
                .bind(movie.tmdb_id)
                .bind(movie.movielens_id)
                .bind(movie.year.map(|_| "movielens"));
        }
        query.execute(&mut *conn).await?;
        // Read back by MovieLens id rather than trusting the order of RETURNING's rows,
        // which neither backend promises for a multi-row insert.
        let movielens_ids: Vec<i64> = chunk.iter().map(|m| m.movielens_id).collect();
        let found: std::collections::HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>(&format!(
            "SELECT movielens_id, id FROM movies WHERE movielens_id IN ({})",
            backend.json_integers("$1")
        ))
        .bind(serde_json::to_string(&movielens_ids).expect("integers serialize"))
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        for movie in chunk {
            let id = found.get(&movie.movielens_id).copied().ok_or_else(|| {
                sqlx::Error::Protocol(format!(
                    "MovieLens movie {} is missing after its insert",
                    movie.movielens_id
                ))
            })?;
            ids.push(id);
        }
    }
    let titles: Vec<(i64, &str)> = ids
        .iter()
        .zip(movies)
        .map(|(&id, m)| (id, m.search_title.as_str()))
        .collect();
    for chunk in titles.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO movie_search (rowid, search_title) VALUES {}",
            backend.values(chunk.len(), 2)
        );
        let mut query = sqlx::query(&sql);
        for &(id, title) in chunk {
            query = query.bind(id).bind(title);
        }
        query.execute(&mut *conn).await?;
    }
    let links: Vec<(i64, i64)> = ids
        .iter()
        .zip(movies)
        .flat_map(|(&id, m)| m.genre_ids.iter().map(move |&g| (id, g)))
        .collect();
    add_genres(conn, &links).await?;
    Ok(ids)
}

/// Gives films genres they may already have: (movie id, genre id), a thousand to a statement.
pub async fn add_genres(conn: &mut DbConn, links: &[(i64, i64)]) -> sqlx::Result<()> {
    if links.is_empty() {
        return Ok(());
    }
    super::movie_search::note_catalog_write();
    let backend = super::Backend::of_conn(conn);
    for chunk in links.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO movie_genres (movie_id, genre_id) VALUES {} ON CONFLICT DO NOTHING",
            backend.values(chunk.len(), 2)
        );
        let mut query = sqlx::query(&sql);
        for &(movie, genre) in chunk {
            query = query.bind(movie).bind(genre);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
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
    pub movielens_id: Option<i64>,
    /// A JSON array of genre names.
    pub genres: String,
}

/// Every movie, with the fields an IMDb import may change.
pub async fn catalog_films(conn: &mut DbConn) -> sqlx::Result<Vec<CatalogFilm>> {
    let genres = super::Backend::of_conn(conn).json_array_agg("g.name");
    sqlx::query_as(&format!(
        "SELECT m.id, m.title, m.original_title, m.year, m.runtime_min, m.director, m.imdb_id,
                m.imdb_rating, m.imdb_votes, m.movielens_id,
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
    super::movie_search::note_catalog_write();
    sqlx::query(
        "UPDATE movies SET imdb_id = $2, title = $3, original_title = $4,
                           year = COALESCE($5, year),
                           runtime_min = $6, director = COALESCE($7, director),
                           imdb_rating = $8, imdb_votes = $9,
                           year_source = CASE WHEN $5 IS NULL THEN year_source ELSE 'imdb' END
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
    super::movie_search::note_catalog_write();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO movies (imdb_id, title, original_title, year, runtime_min, director,
                             imdb_rating, imdb_votes, year_source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'imdb') RETURNING id",
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
    super::movie_search::note_catalog_write();
    sqlx::query("DELETE FROM movie_search WHERE rowid = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    super::movie_search::insert_search_title(conn, id, search_title).await
}

/// Makes `genre_ids` the movie's genres, and only those.
pub async fn set_genres(conn: &mut DbConn, movie_id: i64, genre_ids: &[i64]) -> sqlx::Result<()> {
    super::movie_search::note_catalog_write();
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

/// Stores movies' community averages: (movie, average, count). A thousand movies to a
/// statement, as a large set brings tens of thousands.
pub async fn set_community_averages(
    conn: &mut DbConn,
    averages: &[(i64, f64, i64)],
) -> sqlx::Result<()> {
    let backend = super::Backend::of_conn(conn);
    for chunk in averages.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "WITH v (id, average, votes) AS (VALUES {})
             UPDATE movies SET community_rating = v.average, community_votes = v.votes
               FROM v WHERE movies.id = v.id",
            backend.values(chunk.len(), 3)
        );
        let mut query = sqlx::query(&sql);
        for &(movie_id, average, votes) in chunk {
            query = query.bind(movie_id).bind(average).bind(votes);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
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
