//! Lease rows: who holds a named job, and until when (epoch seconds).

use crate::store::Db;

/// Takes the lease `name` for `holder` until `expires_at` if it is free or expired at `now`,
/// in one statement, so of several processes asking at once exactly one gets it.
pub async fn try_take(
    pool: &Db,
    name: &str,
    holder: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE
             SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE leases.expires_at <= $4",
    )
    .bind(name)
    .bind(holder)
    .bind(expires_at)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Extends `holder`'s lease; `false` when it no longer holds it (it expired and another
/// process took it).
pub async fn renew(pool: &Db, name: &str, holder: &str, expires_at: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE leases SET expires_at = $3 WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the lease up, if `holder` still holds it.
pub async fn release(pool: &Db, name: &str, holder: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(pool)
        .await
        .map(|_| ())
}

/// The holder of the lease `name` and when it expires, if anyone took it.
pub async fn holder(pool: &Db, name: &str) -> sqlx::Result<Option<(String, i64)>> {
    sqlx::query_as("SELECT holder, expires_at FROM leases WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lease_is_taken_once_until_released_or_expired() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = crate::store::connect(&url).await.unwrap();

        assert!(try_take(&pool, "training", "a", 100, 110).await.unwrap());
        assert!(!try_take(&pool, "training", "b", 105, 115).await.unwrap());
        // Another name is another lease.
        assert!(try_take(&pool, "import", "b", 105, 115).await.unwrap());
        assert!(renew(&pool, "training", "a", 120).await.unwrap());
        assert!(!try_take(&pool, "training", "b", 115, 125).await.unwrap());

        // Not renewed in time: b takes it over, and a learns it lost it.
        assert!(try_take(&pool, "training", "b", 120, 130).await.unwrap());
        assert_eq!(
            holder(&pool, "training").await.unwrap(),
            Some(("b".to_owned(), 130))
        );
        assert!(!renew(&pool, "training", "a", 140).await.unwrap());
        release(&pool, "training", "a").await.unwrap();
        assert_eq!(holder(&pool, "training").await.unwrap().unwrap().0, "b");

        release(&pool, "training", "b").await.unwrap();
        assert_eq!(holder(&pool, "training").await.unwrap(), None);
        assert!(try_take(&pool, "training", "a", 121, 131).await.unwrap());
    }
}
