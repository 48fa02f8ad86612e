//! Attempt counters per bucket (an account, a browser, an address) over a fixed window.
//! Shared through the database, so they hold across several app instances.

use sqlx::SqlitePool;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    Granted,
    /// A bucket was full; its window started then (epoch seconds).
    Refused {
        window_start: i64,
    },
}

/// Counts one attempt in every bucket, or in none if any of them is at its limit
/// (`(bucket, limit)` pairs). A window that ended `window_secs` after it started begins
/// anew. Each bump is one upsert whose `WHERE` refuses it at the limit, in one
/// transaction, so concurrent callers can never pass the limit between them.
pub async fn reserve(
    pool: &SqlitePool,
    buckets: &[(String, i64)],
    now: i64,
    window_secs: i64,
) -> sqlx::Result<Reservation> {
    let expired = now - window_secs;
    let mut tx = pool.begin().await?;
    for (bucket, limit) in buckets {
        let bumped: Option<i64> = sqlx::query_scalar(
            "INSERT INTO throttle (bucket, window_start, attempts) VALUES ($1, $2, 1)
             ON CONFLICT (bucket) DO UPDATE SET
               attempts = CASE WHEN throttle.window_start <= $3 THEN 1
                               ELSE throttle.attempts + 1 END,
               window_start = CASE WHEN throttle.window_start <= $3 THEN $2
                                   ELSE throttle.window_start END
             WHERE throttle.window_start <= $3 OR throttle.attempts < $4
             RETURNING attempts",
        )
        .bind(bucket)
        .bind(now)
        .bind(expired)
        .bind(limit)
        .fetch_optional(&mut *tx)
        .await?;
        if bumped.is_none() {
            let window_start: i64 =
                sqlx::query_scalar("SELECT window_start FROM throttle WHERE bucket = $1")
                    .bind(bucket)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return Ok(Reservation::Refused { window_start });
        }
    }
    // Rows of windows long over are of no use; dropping them here keeps the table small.
    sqlx::query("DELETE FROM throttle WHERE window_start <= $1")
        .bind(expired)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Reservation::Granted)
}

/// Gives one reserved attempt back to each bucket (it did not fail).
pub async fn release(pool: &SqlitePool, buckets: &[(String, i64)]) -> sqlx::Result<()> {
    for (bucket, _) in buckets {
        sqlx::query(
            "UPDATE throttle SET attempts = attempts - 1 WHERE bucket = $1 AND attempts > 0",
        )
        .bind(bucket)
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// Forgets a bucket's attempts.
pub async fn clear(pool: &SqlitePool, bucket: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM throttle WHERE bucket = $1")
        .bind(bucket)
        .execute(pool)
        .await
        .map(drop)
}
