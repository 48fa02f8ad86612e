//! Every SQL statement of the app lives in this module.
//!
//! Statements stick to SQL that PostgreSQL also runs (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`, integer epoch seconds) so a second backend stays a small step.

pub(crate) mod catalog;
pub mod catalog_import;
pub mod copy;
pub mod details;
pub(crate) mod devices;
pub mod history;
pub(crate) mod leases;
pub mod lists;
pub(crate) mod media_hooks;
pub(crate) mod media_library;
pub(crate) mod merge;
pub mod models;
pub mod movie_search;
pub(crate) mod movies;
pub(crate) mod nights;
pub(crate) mod ratings;
pub(crate) mod recommendations;
pub(crate) mod registrations;
pub(crate) mod requests;
pub(crate) mod sessions;
pub(crate) mod settings;
pub(crate) mod throttle;
pub(crate) mod types;
pub mod users;

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::sqlite::SqliteConnectOptions;

/// The app's connection pool: SQLite or PostgreSQL, chosen by the database URL.
pub type Db = sqlx::AnyPool;
/// One connection of [`Db`].
pub type DbConn = sqlx::AnyConnection;
/// A transaction on [`Db`].
pub type DbTx<'c> = sqlx::Transaction<'c, sqlx::Any>;

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The two databases the app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, or an error naming the URLs that work.
    pub fn of_url(database_url: &str) -> anyhow::Result<Self> {
        if database_url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            anyhow::bail!(
                "unsupported database URL {database_url:?}: give sqlite://PATH or postgres://HOST/DATABASE"
            )
        }
    }

    /// The backend `pool` talks to.
    pub fn of(pool: &Db) -> Self {
        match pool.connect_options().database_url.scheme() {
            "sqlite" => Self::Sqlite,
            _ => Self::Postgres,
        }
    }

    /// The backend `conn` talks to.
    pub fn of_conn(conn: &DbConn) -> Self {
        if conn.backend_name() == "SQLite" {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }

    /// A subquery giving the integers of the JSON array bound as `param` (one statement for
    /// any number of ids), as its column `value`.
    pub fn json_integers(self, param: &str) -> String {
        match self {
            Self::Sqlite => format!("SELECT value FROM json_each({param})"),
            Self::Postgres => {
                format!("SELECT value::BIGINT FROM json_array_elements_text({param}::JSON)")
            }
        }
    }

    /// A subquery giving the strings of the JSON array bound as `param`, as its column `value`.
    pub fn json_strings(self, param: &str) -> String {
        match self {
            Self::Sqlite => format!("SELECT value FROM json_each({param})"),
            Self::Postgres => format!("SELECT value FROM json_array_elements_text({param}::JSON)"),
        }
    }

    /// The `VALUES` list of a multi-row insert: `rows` tuples of `columns` parameters.
    /// SQLite gets plain `?`: it looks a numbered `$N` up by name with a linear scan, so
    /// binding thousands of them costs their count squared; `?` binds by position.
    pub fn values(self, rows: usize, columns: usize) -> String {
        use std::fmt::Write as _;
        let mut sql = String::with_capacity(rows * columns * 7);
        for row in 0..rows {
            sql.push_str(if row == 0 { "(" } else { ",(" });
            for column in 0..columns {
                if column > 0 {
                    sql.push(',');
                }
                match self {
                    Self::Sqlite => sql.push('?'),
                    Self::Postgres => {
                        let _ = write!(sql, "${}", row * columns + column + 1);
                    }
                }
            }
            sql.push(')');
        }
        sql
    }

    /// An aggregate giving `expr` over the group as the text of a JSON array (`[]` when empty).
    pub fn json_array_agg(self, expr: &str) -> String {
        match self {
            Self::Sqlite => format!("json_group_array({expr})"),
            Self::Postgres => format!("COALESCE(json_agg({expr})::TEXT, '[]')"),
        }
    }
}

/// A truth value read from either backend: PostgreSQL answers a comparison or `EXISTS` with
/// a boolean, SQLite with the integer 0 or 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(flag: Flag) -> Self {
        flag.0
    }
}

impl sqlx::Type<sqlx::Any> for Flag {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <bool as sqlx::Type<sqlx::Any>>::type_info()
    }

    fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
        <bool as sqlx::Type<sqlx::Any>>::compatible(ty)
            || <i64 as sqlx::Type<sqlx::Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        match <i64 as sqlx::Decode<sqlx::Any>>::decode(value.clone()) {
            Ok(n) => Ok(Self(n != 0)),
            Err(_) => <bool as sqlx::Decode<sqlx::Any>>::decode(value).map(Self),
        }
    }
}

/// A float parameter that may be NULL. Bind this, not an `Option<f64>`: sqlx's generic driver
/// declares a NULL `f64` to PostgreSQL as a 4-byte float and a present one as 8 bytes, so a
/// cached statement first run with a NULL then fails on a value. This declares both as 8.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NullableF64(pub Option<f64>);

impl sqlx::Type<sqlx::Any> for NullableF64 {
    fn type_info() -> sqlx::any::AnyTypeInfo {
        <f64 as sqlx::Type<sqlx::Any>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, sqlx::Any> for NullableF64 {
    fn encode_by_ref(
        &self,
        buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self.0 {
            Some(x) => <f64 as sqlx::Encode<sqlx::Any>>::encode_by_ref(&x, buf),
            // The driver maps a NULL `f32` to PostgreSQL's 8-byte float.
            None => <Option<f32> as sqlx::Encode<sqlx::Any>>::encode_by_ref(&None, buf),
        }
    }
}

/// Sets the identity sequence of `table`'s `id` past its largest id, after rows were
/// inserted with their ids given (the embedded catalog, a copied site), so the next row
/// without one gets a free id. SQLite needs nothing: it takes the largest id plus one.
pub async fn sync_id_sequence(conn: &mut DbConn, table: &str) -> sqlx::Result<()> {
    if conn.backend_name() == "SQLite" {
        return Ok(());
    }
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                       COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
    );
    sqlx::query(&sql).execute(conn).await?;
    Ok(())
}

/// Starts a transaction that writes. SQLite's plain `BEGIN` defers taking the write lock, so
/// a transaction that reads first fails at once (busy snapshot, no waiting) when another
/// connection wrote meanwhile; `BEGIN IMMEDIATE` takes the lock up front and waits its turn.
/// PostgreSQL's row locks and constraints do that job there, so a plain `BEGIN` suffices.
pub async fn begin_write(pool: &Db) -> sqlx::Result<DbTx<'static>> {
    match Backend::of(pool) {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// How many connections the pool holds, and how long a query waits for one before it
/// fails with `PoolTimedOut` (which the web layer answers 503).
#[derive(Debug, Clone)]
pub struct PoolLimits {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolLimits {
    /// sqlx's own acquire timeout; eight connections keep a small site's requests and
    /// background jobs from queueing behind one another.
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// Opens the database named by `database_url` (for SQLite creating the file and its
/// directory if needed) and brings the schema and the genre names up to date.
pub async fn connect(database_url: &str) -> anyhow::Result<Db> {
    connect_with(database_url, &PoolLimits::default()).await
}

/// Like [`connect`], with the pool's limits given.
pub async fn connect_with(database_url: &str, limits: &PoolLimits) -> anyhow::Result<Db> {
    install_default_drivers();
    let pool = match Backend::of_url(database_url)? {
        Backend::Sqlite => connect_sqlite(database_url, limits).await?,
        Backend::Postgres => AnyPoolOptions::new()
            .max_connections(limits.max_connections)
            .acquire_timeout(limits.acquire_timeout)
            .connect(database_url)
            .await
            .with_context(|| format!("cannot connect to database {database_url:?}"))?,
    };
    migrate(&pool).await?;
    catalog::canonicalise_genres(&pool)
        .await
        .context("cannot fold the genre names into the vocabulary")?;
    Ok(pool)
}

/// Like [`connect`], for the commands that work on a site's data: a SQLite file that does
/// not exist is an error (a mistyped path), where connecting would create an empty site;
/// `?mode=rwc` on the URL asks for it to be created, as `serve` does on first start.
pub async fn connect_existing(database_url: &str) -> anyhow::Result<Db> {
    if Backend::of_url(database_url)? == Backend::Sqlite && !asks_to_create(database_url) {
        let options = SqliteConnectOptions::from_str(database_url)
            .with_context(|| format!("invalid database URL {database_url:?}"))?;
        let file = options.get_filename();
        if !file.exists() {
            anyhow::bail!(
                "there is no database at {} (give the server's --database-url, or add \
                 ?mode=rwc to create a new one)",
                file.display()
            );
        }
    }
    connect(database_url).await
}

/// Whether a SQLite URL asks for its file to be created (`mode=rwc` in its query).
fn asks_to_create(database_url: &str) -> bool {
    database_url
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair == "mode=rwc"))
}

/// Each SQLite connection's settings: write-ahead logging (readers never wait for the
/// writer), fsync at checkpoints only, foreign keys enforced, and five seconds' wait for
/// the write lock.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000";

async fn connect_sqlite(database_url: &str, limits: &PoolLimits) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("invalid database URL {database_url:?}"))?;
    if let Some(dir) = options.get_filename().parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create database directory {}", dir.display()))?;
    }
    // The generic pool takes its SQLite options from the URL alone: ask for the file to be
    // created there, and set the rest on each new connection.
    let url = if database_url.contains("mode=") {
        database_url.to_owned()
    } else if database_url.contains('?') {
        format!("{database_url}&mode=rwc")
    } else {
        format!("{database_url}?mode=rwc")
    };
    AnyPoolOptions::new()
        .max_connections(limits.max_connections)
        .acquire_timeout(limits.acquire_timeout)
        // A connection to a file in this process cannot be dropped by a server or a network,
        // so checking it with a ping before each use (a round trip to its worker thread, as
        // costly as a small query) buys nothing.
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::Executor::execute(&mut *conn, SQLITE_PRAGMAS).await?;
                Ok(())
            })
        })
        .connect(&url)
        .await
        .with_context(|| format!("cannot open database {database_url:?}"))
}

/// Applies the pending migrations. On SQLite it runs them on one connection with foreign
/// keys off: SQLite's way to rebuild a table others refer to (a migration that must change a
/// constraint), since the setting cannot change inside the transaction each migration runs in.
async fn migrate(pool: &Db) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let migrated = match Backend::of(pool) {
        Backend::Sqlite => {
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(&mut *conn)
                .await?;
            let migrated = SQLITE_MIGRATOR.run(&mut *conn).await;
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut *conn)
                .await?;
            migrated
        }
        Backend::Postgres => POSTGRES_MIGRATOR.run(&mut *conn).await,
    };
    migrated.context("cannot apply database migrations")?;
    Ok(())
}

/// Seconds since the Unix epoch: the one representation of time in the database.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A fresh database for the store's unit tests.
#[cfg(test)]
pub(crate) mod test_db {
    use tempfile::TempDir;

    use super::Db;

    use super::catalog::{CatalogRow, load};
    use crate::domain::{MovieId, Stars, UserId};

    /// The catalog critic the test movies carry ratings from.
    pub const CRITIC: &str = "Test critics";

    /// A migrated database in a temporary directory (kept alive by the returned guard) with
    /// movies `1..=movies`, titled "Movie 01"…, in genre "Drama" and, for even ids, also
    /// "Comedy", each rated 5 stars by [`CRITIC`].
    pub async fn with_movies(movies: i64) -> (TempDir, Db) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let pool = super::connect(&url).await.expect("database opens");
        let rows: Vec<CatalogRow> = (1..=movies).map(row).collect();
        assert!(load(&pool, &[CRITIC], &rows).await.expect("catalog loads"));
        (dir, pool)
    }

    /// Movie `id` of [`with_movies`], as the catalog gives it.
    pub fn row(id: i64) -> CatalogRow {
        let mut genres = vec!["Drama".to_owned()];
        if id % 2 == 0 {
            genres.push("Comedy".to_owned());
        }
        CatalogRow {
            id,
            title: format!("Movie {id:02}"),
            year: Some(1990 + id),
            release_date: None,
            director: None,
            mpaa: None,
            runtime_min: None,
            imdb_rating: None,
            imdb_votes: Some(1000 * id),
            rotten_tomatoes: None,
            creative_type: None,
            source: None,
            distributor: None,
            genres,
            critic_stars: vec![Some(Stars::MAX)],
            also: Vec::new(),
        }
    }

    /// A regular account; returns its id.
    pub async fn user(pool: &Db, name: &str) -> UserId {
        super::users::create(
            pool,
            name,
            &name.to_lowercase(),
            "not a real hash",
            "stamp",
            true,
        )
        .await
        .expect("insert")
        .expect("name free")
        .id
    }

    pub fn movie(id: i64) -> MovieId {
        MovieId::new(id).expect("a movie id")
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::SqlitePool;
    use sqlx::sqlite::SqliteConnectOptions;

    use super::*;

    /// A new SQLite database at `url` with only the migrations before `version` run, as a
    /// site that has not upgraded yet has it; foreign keys enforced as the app's are.
    async fn migrated_before(url: &str, version: i64) -> SqlitePool {
        let options = SqliteConnectOptions::from_str(url)
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        let old = SqlitePool::connect_with(options).await.unwrap();
        let before = sqlx::migrate::Migrator {
            migrations: SQLITE_MIGRATOR
                .migrations
                .iter()
                .filter(|m| m.version < version)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.run(&old).await.unwrap();
        old
    }

    #[test]
    fn values_lists_number_postgres_parameters_only() {
        assert_eq!(Backend::Sqlite.values(2, 3), "(?,?,?),(?,?,?)");
        assert_eq!(Backend::Postgres.values(2, 2), "($1,$2),($3,$4)");
        assert_eq!(Backend::Sqlite.values(0, 4), "");
    }

    /// Migration 22 rebuilds `ratings` without a rowid: every rating keeps all its columns,
    /// the upsert on the key still updates in place, and the index on (user, time) is gone.
    #[tokio::test]
    async fn ratings_rebuilt_without_rowid_keep_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let old = migrated_before(&url, 22).await;
        sqlx::query(
            "INSERT INTO users (id, username, username_lower, password_hash, kind, created_at)
             VALUES (7, 'Ann', 'ann', 'hash', 'user', 1), (8, 'Bob', 'bob', 'hash', 'user', 1);
             INSERT INTO movies (id, title) VALUES (1, 'A film'), (2, 'Another');
             INSERT INTO ratings (user_id, movie_id, rating, updated_at, rated_at)
             VALUES (8, 2, 4.5, 10, 5), (7, 1, 3.0, 11, NULL), (7, 2, 0.5, 12, 6);",
        )
        .execute(&old)
        .await
        .unwrap();
        old.close().await;

        let pool = connect(&url).await.unwrap();
        let rows: Vec<(i64, i64, f64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT user_id, movie_id, rating, updated_at, rated_at FROM ratings
              ORDER BY user_id, movie_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            rows,
            [
                (7, 1, 3.0, 11, None),
                (7, 2, 0.5, 12, Some(6)),
                (8, 2, 4.5, 10, Some(5))
            ]
        );
        let table: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'ratings'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(table.contains("WITHOUT ROWID"), "{table}");
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ratings'
              ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(indexes, ["ratings_movie", "ratings_updated"]);
        sqlx::query(
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES (7, 1, 5.0, 20)
             ON CONFLICT (user_id, movie_id) DO UPDATE SET rating = excluded.rating",
        )
        .execute(&pool)
        .await
        .unwrap();
        let ann: f64 =
            sqlx::query_scalar("SELECT rating FROM ratings WHERE user_id = 7 AND movie_id = 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(ann, 5.0);
        // Foreign keys still hold: deleting an account takes its ratings.
        sqlx::query("DELETE FROM users WHERE id = 7")
            .execute(&pool)
            .await
            .unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ratings")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 1);
    }

    /// The `users` rebuild of migration 14 keeps every account and everything that refers
    /// to one, though the app's connections enforce foreign keys with cascading deletes.
    #[tokio::test]
    async fn rebuilding_users_keeps_their_ratings() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let old = migrated_before(&url, 14).await;
        sqlx::query(
            "INSERT INTO users (id, username, username_lower, password_hash, kind, created_at, role)
             VALUES (7, 'Ann', 'ann', 'hash', 'user', 1, 'admin'),
                    (8, 'Critic', 'critic', NULL, 'critic', 1, 'user');
             INSERT INTO movies (id, title) VALUES (1, 'A film');
             INSERT INTO ratings (user_id, movie_id, rating, updated_at)
             VALUES (7, 1, 4.5, 1), (8, 1, 3.0, 1);",
        )
        .execute(&old)
        .await
        .unwrap();
        old.close().await;

        let pool = connect(&url).await.unwrap();
        let ratings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ratings")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(ratings, 2);
        let ann: (String, String, Option<String>) =
            sqlx::query_as("SELECT kind, role, password_hash FROM users WHERE id = 7")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(ann, ("user".into(), "admin".into(), Some("hash".into())));
        // Foreign keys are back on for the app: a rating of nobody is refused.
        let orphan = sqlx::query(
            "INSERT INTO ratings (user_id, movie_id, rating, updated_at) VALUES (99, 1, 3.0, 1)",
        )
        .execute(&pool)
        .await;
        assert!(orphan.is_err());
        // Deleting an account still takes its ratings with it.
        sqlx::query("DELETE FROM users WHERE id = 8")
            .execute(&pool)
            .await
            .unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ratings")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(left, 1);
    }
}
