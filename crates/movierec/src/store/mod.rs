//! Every SQL statement of the app lives in this module.
//!
//! Statements stick to SQL that PostgreSQL also runs (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`, integer epoch seconds) so a second backend stays a small step.

pub mod catalog;
pub mod details;
pub mod devices;
pub mod history;
pub mod imports;
pub mod lists;
pub mod models;
pub mod movie_search;
pub mod movies;
pub mod ratings;
pub mod recommendations;
pub mod registrations;
pub mod settings;
pub mod throttle;
pub mod users;

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Opens the database named by `database_url`, creating the file and its directory if
/// needed, and brings the schema up to date.
/// Starts a transaction that writes. SQLite's plain `BEGIN` defers taking the write lock, so
/// a transaction that reads first fails at once (busy snapshot, no waiting) when another
/// connection wrote meanwhile; `BEGIN IMMEDIATE` takes the lock up front and waits its turn.
pub async fn begin_write(
    pool: &sqlx::SqlitePool,
) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

pub async fn connect(database_url: &str) -> anyhow::Result<SqlitePool> {
    if !database_url.starts_with("sqlite:") {
        anyhow::bail!(
            "unsupported database URL {database_url:?}: only sqlite:// URLs are supported for now"
        );
    }
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("invalid database URL {database_url:?}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(dir) = options.get_filename().parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create database directory {}", dir.display()))?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open database {database_url:?}"))?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Applies the pending migrations on one connection with foreign keys off: SQLite's way to
/// rebuild a table others refer to (a migration that must change a constraint), since the
/// setting cannot change inside the transaction each migration runs in.
async fn migrate(pool: &SqlitePool) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await?;
    let migrated = MIGRATOR.run(&mut *conn).await;
    sqlx::query("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await?;
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
    use sqlx::SqlitePool;
    use tempfile::TempDir;

    use super::catalog::{CatalogRow, load};
    use crate::domain::{MovieId, Stars};

    /// The catalog critic the test movies carry ratings from.
    pub const CRITIC: &str = "Test critics";

    /// A migrated database in a temporary directory (kept alive by the returned guard) with
    /// movies `1..=movies`, titled "Movie 01"…, in genre "Drama" and, for even ids, also
    /// "Comedy", each rated 5 stars by [`CRITIC`].
    pub async fn with_movies(movies: i64) -> (TempDir, SqlitePool) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let pool = super::connect(&url).await.expect("database opens");
        let rows: Vec<CatalogRow> = (1..=movies).map(row).collect();
        assert!(load(&pool, &[CRITIC], &rows).await.expect("catalog loads"));
        (dir, pool)
    }

    fn row(id: i64) -> CatalogRow {
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
        }
    }

    /// A regular account; returns its id.
    pub async fn user(pool: &SqlitePool, name: &str) -> i64 {
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

    use sqlx::sqlite::SqliteConnectOptions;

    use super::*;

    /// The `users` rebuild of migration 14 keeps every account and everything that refers
    /// to one, though the app's connections enforce foreign keys with cascading deletes.
    #[tokio::test]
    async fn rebuilding_users_keeps_their_ratings() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let options = SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        let old = SqlitePool::connect_with(options).await.unwrap();
        let mut before = sqlx::migrate::Migrator {
            migrations: MIGRATOR.migrations.clone(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.migrations = before
            .migrations
            .iter()
            .filter(|m| m.version < 14)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        before.run(&old).await.unwrap();
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
