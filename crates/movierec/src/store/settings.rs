//! Site settings: one row per name, the value as text.

use crate::store::Db;

pub async fn get(pool: &Db, name: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await
}

pub async fn set(pool: &Db, name: &str, value: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO settings (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .bind(name)
    .bind(value)
    .execute(pool)
    .await
    .map(|_| ())
}

/// Stores `value` unless the setting already has one.
pub async fn set_default(pool: &Db, name: &str, value: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(value)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Removes a setting; whether there was one.
pub async fn remove(pool: &Db, name: &str) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM settings WHERE name = $1")
        .bind(name)
        .execute(pool)
        .await
        .map(|r| r.rows_affected() > 0)
}
