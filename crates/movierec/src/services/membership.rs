//! Who may have an account and what they may do with it: registration (open or closed,
//! limited per client address), session stamps, password changes and account deletion.

use crate::store::Db;

use crate::domain::{Password, Registration, UserId};
use crate::services::accounts::hashing::Hasher;
use crate::services::accounts::throttle;
use crate::store;
use crate::store::throttle::Reservation;

/// The window the per-address registration limit counts in: a clock hour.
pub const REGISTRATION_WINDOW_SECS: i64 = 60 * 60;

const REGISTRATION_SETTING: &str = "registration";

/// The site's registration setting; a site that never stored one is open.
pub async fn registration(pool: &Db) -> anyhow::Result<Registration> {
    match store::settings::get(pool, REGISTRATION_SETTING).await? {
        None => Ok(Registration::Open),
        Some(value) => value
            .parse()
            .map_err(|e| anyhow::anyhow!("stored registration setting {value:?}: {e}")),
    }
}

pub async fn set_registration(pool: &Db, value: Registration) -> sqlx::Result<()> {
    store::settings::set(pool, REGISTRATION_SETTING, value.as_str()).await
}

/// At start-up: a value given on the command line wins; otherwise the stored one stays
/// (a new site starts open).
pub async fn init_registration(pool: &Db, given: Option<Registration>) -> sqlx::Result<()> {
    match given {
        Some(value) => set_registration(pool, value).await,
        None => {
            store::settings::set_default(pool, REGISTRATION_SETTING, Registration::Open.as_str())
                .await
        }
    }
}

/// Whether a visitor may register now: when open, or when nobody has an account yet (so a
/// closed new site still gets its administrator).
pub async fn may_register(pool: &Db) -> anyhow::Result<bool> {
    Ok(registration(pool).await? == Registration::Open || !store::users::any_person(pool).await?)
}

/// Takes one of the `limit` registrations the address has in the current window (0 = no
/// limit), or says in how many seconds the next window starts.
#[tracing::instrument(skip_all, fields(limit = limit))]
pub async fn reserve_registration(
    pool: &Db,
    ip: &str,
    limit: u32,
) -> sqlx::Result<Result<(), i64>> {
    if limit == 0 {
        return Ok(Ok(()));
    }
    let now = store::now();
    let window_start = now - now.rem_euclid(REGISTRATION_WINDOW_SECS);
    let reserved =
        store::registrations::reserve(pool, ip, window_start, i64::from(limit), window_start)
            .await?;
    Ok(if reserved {
        Ok(())
    } else {
        Err((window_start + REGISTRATION_WINDOW_SECS - now).max(1))
    })
}

/// A fresh random session stamp (see [`store::users::SessionAccount`]).
pub fn new_session_stamp() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no random numbers: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Checks a logged-in user's password, as a password change or an account deletion asks
/// for it. Each check is reserved against an allowance of its own, keyed by the account and
/// the session asking (`session_key`, a random key the session keeps), never against the
/// log-in buckets: a stranger's wrong log-ins fill those, and must not stop the owner from
/// changing their password from the browser they are signed in on. A borrowed session is
/// still held to [`throttle::MAX_FAILURES_PER_ACCOUNT`] guesses per window, and only a
/// log-in, which needs the password, makes a new session.
#[tracing::instrument(skip_all, fields(user = user_id.get()))]
pub async fn check_password(
    pool: &Db,
    hasher: &Hasher,
    user_id: UserId,
    session_key: &str,
    password: String,
) -> anyhow::Result<PasswordCheck> {
    let buckets = vec![(
        format!("reauth:{user_id}:{session_key}"),
        throttle::MAX_FAILURES_PER_ACCOUNT,
    )];
    let now = store::now();
    if let Reservation::Refused { window_start } =
        store::throttle::reserve(pool, &buckets, now, throttle::THROTTLE_WINDOW_SECS).await?
    {
        return Ok(PasswordCheck::Throttled {
            retry_after_secs: (window_start + throttle::THROTTLE_WINDOW_SECS - now).max(1),
        });
    }
    let stored = store::users::password_hash(pool, user_id).await?;
    let verified = hasher.verify(password, stored).await;
    if !matches!(verified, Ok(false)) {
        // Right, or not checked at all: either way not a failure.
        store::throttle::release(pool, &buckets).await?;
    }
    match verified.map_err(|e| anyhow::anyhow!(e))? {
        true => Ok(PasswordCheck::Right),
        false => Ok(PasswordCheck::Wrong),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    Right,
    Wrong,
    Throttled { retry_after_secs: i64 },
}

/// Sets a new password and a new session stamp, which ends every session of the account
/// that does not take the returned stamp. Returns `None` when the account is gone.
#[tracing::instrument(skip_all, fields(user = user_id.get()))]
pub async fn change_password(
    pool: &Db,
    hasher: &Hasher,
    user_id: UserId,
    new: Password,
) -> anyhow::Result<Option<String>> {
    let hash = hasher.hash(&new).await.map_err(|e| anyhow::anyhow!(e))?;
    let stamp = new_session_stamp()?;
    Ok(store::users::set_password(pool, user_id, &hash, &stamp)
        .await?
        .then_some(stamp))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    Deleted,
    /// The account is the only administrator's and other people have accounts.
    LastAdmin,
    Gone,
}

/// Deletes an account with its ratings and lists. Its sessions end at their next request
/// (the account they name is gone), and the next training no longer sees its ratings; their
/// removal counts towards the automatic retraining.
#[tracing::instrument(skip_all, fields(user = user_id.get()))]
pub async fn delete_account(pool: &Db, user_id: UserId) -> sqlx::Result<Deletion> {
    if store::users::delete(pool, user_id).await? {
        return Ok(Deletion::Deleted);
    }
    Ok(match store::users::find_for_session(pool, user_id).await? {
        Some(_) => Deletion::LastAdmin,
        None => Deletion::Gone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_stamps_are_random_hex() {
        let a = new_session_stamp().unwrap();
        let b = new_session_stamp().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
