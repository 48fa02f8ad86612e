//! Registration: the rules a new account must meet.

use anyhow::Context;

use super::hashing::{HashError, Hasher};
use super::log_in::LoggedIn;
use super::throttle::remember_device;
use crate::domain::Password;
use crate::store;
use crate::store::Db;

/// What the registration form sent, and from where.
#[derive(Debug)]
pub struct NewAccount {
    /// As typed.
    pub username: String,
    pub password: String,
    /// The password typed a second time.
    pub confirm: String,
    /// The rate-limit key of the client's address.
    pub address: String,
}

/// Why an account was not made.
#[derive(Debug, PartialEq, Eq)]
pub enum RegisterRefusal {
    /// Registration is closed and the site already has its first account.
    Closed,
    /// Some fields did not check out; a message for each that did not.
    Invalid {
        username: Option<String>,
        password: Option<String>,
        confirm: Option<String>,
    },
    /// An account (critic accounts included) has this name in some case.
    NameTaken,
    /// The address made its allowance of accounts this hour; the wait until the next.
    TooMany { retry_after_secs: i64 },
}

#[derive(Debug)]
pub enum RegisterOutcome {
    /// The account exists and the browser is now one it knows.
    Registered(LoggedIn),
    Refused(RegisterRefusal),
}

/// Makes an account: registration open (or the site's first account), the fields valid,
/// the name free, the address within `per_hour` new accounts (0 = no limit). The first
/// account is the administrator.
// The name typed is not recorded: people type passwords into name fields.
#[tracing::instrument(skip_all, fields(step = tracing::field::Empty, user = tracing::field::Empty))]
pub async fn register(
    pool: &Db,
    hasher: &Hasher,
    form: NewAccount,
    per_hour: u32,
) -> Result<RegisterOutcome, HashError> {
    use crate::services::membership;
    let refused = |why| Ok(RegisterOutcome::Refused(why));
    let span = tracing::Span::current();
    span.record("step", "open");
    let open = membership::registration(pool).await? == crate::domain::Registration::Open;
    if !open
        && store::users::any_person(pool)
            .await
            .context("looking for a first account")?
    {
        return refused(RegisterRefusal::Closed);
    }
    span.record("step", "fields");
    let mut username_error = None;
    let mut password_error = None;
    let mut confirm_error = None;
    let username = crate::domain::Username::parse(&form.username)
        .map_err(|e| username_error = Some(e))
        .ok();
    let context: Vec<&str> = username.iter().map(|u| u.as_str()).collect();
    let password = Password::parse(form.password.clone(), &context)
        .map_err(|e| password_error = Some(e))
        .ok();
    if password_error.is_none() && form.confirm != form.password {
        confirm_error = Some("The two passwords differ.".to_owned());
    }
    let (Some(username), Some(password), None) = (username, password, &confirm_error) else {
        return refused(RegisterRefusal::Invalid {
            username: username_error,
            password: password_error,
            confirm: confirm_error,
        });
    };
    // Checked before the address's allowance is spent on a name that cannot be had.
    span.record("step", "name");
    let name_taken = || async {
        store::users::name_taken(pool, &username.lower())
            .await
            .context("looking the name up")
    };
    if name_taken().await? {
        return refused(RegisterRefusal::NameTaken);
    }
    span.record("step", "allowance");
    if let Err(retry_after_secs) = membership::reserve_registration(pool, &form.address, per_hour)
        .await
        .context("reserving a registration")?
    {
        return refused(RegisterRefusal::TooMany { retry_after_secs });
    }
    span.record("step", "create");
    let hash = hasher.hash(&password).await?;
    let stamp = membership::new_session_stamp()?;
    let created = store::users::create(
        pool,
        username.as_str(),
        &username.lower(),
        &hash,
        &stamp,
        open,
    )
    .await
    .context("creating the account")?;
    let Some(created) = created else {
        // Someone else took the name meanwhile, or the site's first account was just made
        // on a closed site.
        if name_taken().await? {
            return refused(RegisterRefusal::NameTaken);
        }
        return refused(RegisterRefusal::Closed);
    };
    span.record("user", created.id.get());
    tracing::info!(
        user_id = created.id.get(),
        admin = created.is_admin,
        "account created"
    );
    span.record("step", "device");
    let device_token = remember_device(pool, created.id).await?;
    Ok(RegisterOutcome::Registered(LoggedIn {
        id: created.id,
        session_stamp: stamp,
        device_token,
    }))
}
