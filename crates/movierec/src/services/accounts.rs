//! Password hashing and log-in throttling: the account rules shared by pages and API.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sqlx::SqlitePool;

use crate::domain::Password;
use crate::store;

/// Failures allowed per account within [`THROTTLE_WINDOW_SECS`].
pub const MAX_FAILURES_PER_USER: i64 = 5;
/// Failures allowed per client address within the window; higher because many people
/// can share one address.
pub const MAX_FAILURES_PER_IP: i64 = 20;
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;

/// Hashes with argon2id on a blocking thread: it takes tens of milliseconds of CPU.
pub async fn hash_password(password: Password) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.expose().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
    })
    .await?
}

/// Checks `password` against `stored`, or against a fixed dummy hash when the account
/// has no usable hash, so an unknown name costs as long as a wrong password.
pub async fn verify_password(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let hash = PasswordHash::new(&phc).map_err(|e| anyhow::anyhow!("bad stored hash: {e}"))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok();
        Ok(real && matches)
    })
    .await?
}

/// Computes the dummy hash ahead of the first log-in, which would otherwise take twice
/// as long for an unknown name and so tell it apart.
pub async fn warm_up() -> anyhow::Result<()> {
    tokio::task::spawn_blocking(|| LazyLock::force(&DUMMY_HASH).len()).await?;
    Ok(())
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(b"no account has this password")
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

/// Returns how many minutes remain before the account or address may try again, if
/// either has too many recent failures.
pub async fn throttled_for_minutes(
    pool: &SqlitePool,
    username_lower: &str,
    ip: &str,
) -> sqlx::Result<Option<i64>> {
    let now = store::now();
    let recent = store::login_attempts::recent_failures(
        pool,
        username_lower,
        ip,
        now - THROTTLE_WINDOW_SECS,
    )
    .await?;
    let blocked_since = [
        (recent.for_user >= MAX_FAILURES_PER_USER).then_some(recent.oldest_for_user),
        (recent.for_ip >= MAX_FAILURES_PER_IP).then_some(recent.oldest_for_ip),
    ]
    .into_iter()
    .flatten()
    .flatten()
    .min();
    Ok(blocked_since.map(|oldest| {
        let wait = (oldest + THROTTLE_WINDOW_SECS - now).max(1);
        (wait + 59) / 60
    }))
}

pub async fn record_failure(pool: &SqlitePool, username_lower: &str, ip: &str) -> sqlx::Result<()> {
    let now = store::now();
    store::login_attempts::record_failure(pool, username_lower, ip, now, now - THROTTLE_WINDOW_SECS)
        .await
}
