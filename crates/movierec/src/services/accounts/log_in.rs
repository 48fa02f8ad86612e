//! Log-in, throttled (see the module above for how).

use crate::domain::UserId;
use anyhow::Context;

use super::hashing::{HashError, Hasher};
use super::throttle::{
    DEVICE_TOKEN_DAYS, MAX_FAILURES_PER_ACCOUNT, THROTTLE_WINDOW_SECS, remember_device,
    shared_buckets,
};
use crate::store;
use crate::store::Db;
use crate::store::throttle::Reservation;

/// What the log-in form sent, and from where.
#[derive(Debug)]
pub struct LogInAttempt {
    /// As typed: only a lookup key, never checked for format.
    pub username: String,
    pub password: String,
    /// The rate-limit key of the client's address.
    pub address: String,
    /// The `movierec_device` cookie, if the browser sent one.
    pub device_token: Option<String>,
}

#[derive(Debug)]
pub struct LoggedIn {
    pub id: UserId,
    /// The account's session stamp, which the session must carry to stay valid.
    pub session_stamp: String,
    /// To store in the browser: it is now known to this account.
    pub device_token: String,
}

#[derive(Debug)]
pub enum LogInOutcome {
    LoggedIn(LoggedIn),
    WrongCredentials,
    /// Too many failures; the wait until the next attempt is allowed.
    Throttled {
        retry_after_secs: i64,
    },
}

/// Checks a log-in attempt: reserve, verify, then record the outcome.
// The name typed is not recorded: people type passwords into name fields.
#[tracing::instrument(skip_all, fields(user = tracing::field::Empty))]
pub async fn log_in(
    pool: &Db,
    hasher: &Hasher,
    attempt: LogInAttempt,
) -> Result<LogInOutcome, HashError> {
    let key = attempt.username.trim().to_lowercase();
    let record = store::users::find_for_login(pool, &key)
        .await
        .context("looking the account up")?;
    let now = store::now();
    let known_device = match (&attempt.device_token, &record) {
        (Some(token), Some(account)) => {
            store::devices::belongs_to(pool, token, account.id, now - DEVICE_TOKEN_DAYS * 86_400)
                .await
                .context("reading the device token")?
        }
        _ => false,
    };
    // A known browser counts against its own allowance only; any other against the
    // account's shared one and its address's.
    let buckets = match (&attempt.device_token, known_device) {
        (Some(token), true) => vec![(format!("device:{token}"), MAX_FAILURES_PER_ACCOUNT)],
        _ => shared_buckets(&key, &attempt.address),
    };
    let reservation = store::throttle::reserve(pool, &buckets, now, THROTTLE_WINDOW_SECS)
        .await
        .context("reserving a log-in attempt")?;
    if let Reservation::Refused { window_start } = reservation {
        return Ok(LogInOutcome::Throttled {
            retry_after_secs: (window_start + THROTTLE_WINDOW_SECS - now).max(1),
        });
    }
    let (stored_hash, account) = match record {
        Some(r) => (r.password_hash, Some((r.id, r.session_stamp))),
        None => (None, None),
    };
    let verified = hasher.verify(attempt.password, stored_hash).await;
    let verified = match verified {
        Ok(ok) => ok,
        Err(e) => {
            // Not checked, so not a failure: give the attempt back.
            store::throttle::release(pool, &buckets).await.ok();
            return Err(e);
        }
    };
    let Some((id, session_stamp)) = account.filter(|_| verified) else {
        return Ok(LogInOutcome::WrongCredentials);
    };
    tracing::Span::current().record("user", id.get());
    // This browser's or the account's failures are forgiven; the address's are only
    // handed back this one attempt, so one good password cannot reset a spray.
    let (own, address) = buckets.split_at(1);
    store::throttle::clear(pool, &own[0].0)
        .await
        .context("clearing failures")?;
    store::throttle::release(pool, address)
        .await
        .context("releasing the attempt")?;
    let device_token = match (attempt.device_token, known_device) {
        (Some(token), true) => {
            store::devices::touch(pool, &token, now)
                .await
                .context("device token")?;
            token
        }
        _ => remember_device(pool, id).await?,
    };
    Ok(LogInOutcome::LoggedIn(LoggedIn {
        id,
        session_stamp,
        device_token,
    }))
}
