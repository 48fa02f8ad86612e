//! Browsers known to an account: the tokens of their `movierec_device` cookies.

use crate::domain::UserId;
use crate::store::Db;

pub async fn insert(pool: &Db, token: &str, user_id: UserId, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO known_devices (token, user_id, created_at, last_login_at)
         VALUES ($1, $2, $3, $3)",
    )
    .bind(token)
    .bind(user_id)
    .bind(now)
    .execute(pool)
    .await
    .map(drop)
}

/// Whether `token` belongs to the account and was used to log in since `since`.
pub async fn belongs_to(pool: &Db, token: &str, user_id: UserId, since: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM known_devices
                         WHERE token = $1 AND user_id = $2 AND last_login_at >= $3)",
    )
    .bind(token)
    .bind(user_id)
    .bind(since)
    .fetch_one(pool)
    .await
    .map(|known: super::Flag| known.0)
}

pub async fn touch(pool: &Db, token: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE known_devices SET last_login_at = $2 WHERE token = $1")
        .bind(token)
        .bind(now)
        .execute(pool)
        .await
        .map(drop)
}
