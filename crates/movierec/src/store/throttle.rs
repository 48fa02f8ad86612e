//! Attempt counters per bucket (an account, a browser, an address) over a fixed window.
//! Shared through the database, so they hold across several app instances.

use crate::store::Db;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    Granted,
    /// A bucket was full; the latest window of the full ones started then (epoch
    /// seconds).
    Refused {
        window_start: i64,
    },
}

/// Counts one attempt in every bucket, or in none if any of them is at its limit
/// (`(bucket, limit)` pairs). A window that ended `window_secs` after it started begins
/// anew. Each bump is one upsert whose `WHERE` refuses it at the limit, in one
/// transaction, so concurrent callers can never pass the limit between them.
pub async fn reserve(
    pool: &Db,
    buckets: &[(String, i64)],
    now: i64,
    window_secs: i64,
) -> sqlx::Result<Reservation> {
    let expired = now - window_secs;
    let mut tx = super::begin_write(pool).await?;
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
            tx.rollback().await?;
            return Ok(Reservation::Refused {
                window_start: latest_full_window(pool, buckets, expired).await?,
            });
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

/// The start of the latest window among the full buckets: the wait to announce is the
/// longest, or the next attempt would be refused again.
async fn latest_full_window(
    pool: &Db,
    buckets: &[(String, i64)],
    expired: i64,
) -> sqlx::Result<i64> {
    let mut latest = expired;
    for (bucket, limit) in buckets {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT window_start, attempts FROM throttle WHERE bucket = $1")
                .bind(bucket)
                .fetch_optional(pool)
                .await?;
        if let Some((start, attempts)) = row
            && start > expired
            && attempts >= *limit
        {
            latest = latest.max(start);
        }
    }
    Ok(latest)
}

/// Gives one reserved attempt back to each bucket (it did not fail).
pub async fn release(pool: &Db, buckets: &[(String, i64)]) -> sqlx::Result<()> {
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
pub async fn clear(pool: &Db, bucket: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM throttle WHERE bucket = $1")
        .bind(bucket)
        .execute(pool)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn database() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = crate::store::connect(&url).await.unwrap();
        (dir, pool)
    }

    fn buckets(list: &[(&str, i64)]) -> Vec<(String, i64)> {
        list.iter().map(|(b, l)| ((*b).to_owned(), *l)).collect()
    }

    #[tokio::test]
    async fn grants_up_to_the_limit_then_refuses_until_the_window_ends() {
        let (_dir, pool) = database().await;
        let one = buckets(&[("a", 3)]);
        for _ in 0..3 {
            assert_eq!(
                reserve(&pool, &one, 1000, 60).await.unwrap(),
                Reservation::Granted
            );
        }
        assert_eq!(
            reserve(&pool, &one, 1010, 60).await.unwrap(),
            Reservation::Refused { window_start: 1000 }
        );
        release(&pool, &one).await.unwrap();
        assert_eq!(
            reserve(&pool, &one, 1020, 60).await.unwrap(),
            Reservation::Granted
        );
        assert!(matches!(
            reserve(&pool, &one, 1030, 60).await.unwrap(),
            Reservation::Refused { .. }
        ));
        // A new window starts afresh.
        assert_eq!(
            reserve(&pool, &one, 1060, 60).await.unwrap(),
            Reservation::Granted
        );
        clear(&pool, "a").await.unwrap();
        assert_eq!(
            reserve(&pool, &one, 1061, 60).await.unwrap(),
            Reservation::Granted
        );
    }

    #[tokio::test]
    async fn a_full_bucket_reserves_none_of_the_others_and_names_the_longest_wait() {
        let (_dir, pool) = database().await;
        assert_eq!(
            reserve(&pool, &buckets(&[("b", 1)]), 500, 60)
                .await
                .unwrap(),
            Reservation::Granted
        );
        assert_eq!(
            reserve(&pool, &buckets(&[("a", 1)]), 520, 60)
                .await
                .unwrap(),
            Reservation::Granted
        );
        let both = buckets(&[("b", 1), ("a", 1), ("c", 5)]);
        assert_eq!(
            reserve(&pool, &both, 530, 60).await.unwrap(),
            Reservation::Refused { window_start: 520 }
        );
        // "c" was not counted: five more fit.
        let c = buckets(&[("c", 5)]);
        for _ in 0..5 {
            assert_eq!(
                reserve(&pool, &c, 531, 60).await.unwrap(),
                Reservation::Granted
            );
        }
    }

    #[tokio::test]
    async fn concurrent_reservations_never_pass_the_limit() {
        let (_dir, pool) = database().await;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..40 {
            let pool = pool.clone();
            tasks.spawn(async move {
                reserve(&pool, &buckets(&[("hot", 5), ("wide", 100)]), 2000, 60)
                    .await
                    .unwrap()
            });
        }
        let granted = tasks
            .join_all()
            .await
            .into_iter()
            .filter(|r| *r == Reservation::Granted)
            .count();
        assert_eq!(granted, 5);
    }
}
