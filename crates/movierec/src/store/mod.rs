//! Every SQL statement of the app lives in this module.
//!
//! Statements stick to SQL that PostgreSQL also runs (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`, integer epoch seconds) so a second backend stays a small step.

pub mod catalog;
pub mod devices;
pub mod lists;
pub mod models;
pub mod movies;
pub mod ratings;
pub mod recommendations;
pub mod registrations;
pub mod search;
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
    MIGRATOR
        .run(&pool)
        .await
        .context("cannot apply database migrations")?;
    Ok(pool)
}

/// Seconds since the Unix epoch: the one representation of time in the database.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
