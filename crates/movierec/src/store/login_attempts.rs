use sqlx::SqlitePool;

/// Failed log-ins since `since` (epoch seconds) for one account and for one address,
/// with the time of the oldest of each so the caller can say when the block lifts.
#[derive(Debug, sqlx::FromRow)]
pub struct RecentFailures {
    pub for_user: i64,
    pub oldest_for_user: Option<i64>,
    pub for_ip: i64,
    pub oldest_for_ip: Option<i64>,
}

pub async fn recent_failures(
    pool: &SqlitePool,
    username_lower: &str,
    ip: &str,
    since: i64,
) -> sqlx::Result<RecentFailures> {
    sqlx::query_as(
        "SELECT
           (SELECT COUNT(*) FROM login_attempts
             WHERE username_lower = $1 AND attempted_at >= $3) AS for_user,
           (SELECT MIN(attempted_at) FROM login_attempts
             WHERE username_lower = $1 AND attempted_at >= $3) AS oldest_for_user,
           (SELECT COUNT(*) FROM login_attempts
             WHERE ip = $2 AND attempted_at >= $3) AS for_ip,
           (SELECT MIN(attempted_at) FROM login_attempts
             WHERE ip = $2 AND attempted_at >= $3) AS oldest_for_ip",
    )
    .bind(username_lower)
    .bind(ip)
    .bind(since)
    .fetch_one(pool)
    .await
}

/// Records a failure and drops rows too old to matter, keeping the table small.
pub async fn record_failure(
    pool: &SqlitePool,
    username_lower: &str,
    ip: &str,
    now: i64,
    forget_before: i64,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM login_attempts WHERE attempted_at < $1")
        .bind(forget_before)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO login_attempts (username_lower, ip, attempted_at) VALUES ($1, $2, $3)",
    )
    .bind(username_lower)
    .bind(ip)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A successful log-in clears the account's failures (not the address's: one good
/// password must not reset a spray against many accounts).
pub async fn clear_for_user(pool: &SqlitePool, username_lower: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_attempts WHERE username_lower = $1")
        .bind(username_lower)
        .execute(pool)
        .await
        .map(|_| ())
}
