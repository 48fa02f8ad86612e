//! Accounts created per client address, counted per window so the limit holds across
//! several app instances sharing the database.

use crate::store::Db;

/// Takes one of the `limit` registrations the address has in the window starting at
/// `window_start`; returns `false` when none is left. One statement: the increment and
/// the check cannot be separated by a concurrent request. Windows before `forget_before`
/// are dropped first, keeping the table small.
pub async fn reserve(
    pool: &Db,
    ip: &str,
    window_start: i64,
    limit: i64,
    forget_before: i64,
) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM registrations_per_address WHERE window_start < $1")
        .bind(forget_before)
        .execute(pool)
        .await?;
    let taken: Option<i64> = sqlx::query_scalar(
        "INSERT INTO registrations_per_address (ip, window_start, n) VALUES ($1, $2, 1)
         ON CONFLICT (ip, window_start) DO UPDATE SET n = registrations_per_address.n + 1
          WHERE registrations_per_address.n < $3
         RETURNING n",
    )
    .bind(ip)
    .bind(window_start)
    .bind(limit)
    .fetch_optional(pool)
    .await?;
    Ok(taken.is_some())
}
