//! The account rules shared by pages and API: password hashing within a memory budget,
//! registration, and log-in with throttling that strangers cannot turn into a lockout.
//!
//! # Throttling
//!
//! Before a password is checked, the attempt is *reserved* in the database in one
//! transaction: a counter per bucket that an `INSERT … ON CONFLICT DO UPDATE … WHERE
//! count < limit` bumps only while it is under the limit. However many requests arrive
//! at once, no more than the limit ever reach the password check. A failure keeps its
//! reservation; a success gives it back.
//!
//! Which bucket follows OWASP's device cookies: a browser that has logged in to an
//! account before carries a random token (the `movierec_device` cookie) and gets its own
//! allowance for that account. Every other browser shares the account's bucket and, in
//! addition, its address's bucket. A stranger guessing at an account exhausts the shared
//! bucket only, so the owner keeps logging in from their usual browser, while the
//! guesser gets no more than [`MAX_FAILURES_PER_ACCOUNT`] tries per window.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::store::Db;
use anyhow::Context;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::domain::{Password, UserId};
use crate::store;
use crate::store::throttle::Reservation;

/// Failed log-ins allowed per bucket (an account, or one known browser of an account)
/// within [`THROTTLE_WINDOW_SECS`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed log-ins allowed per client address within the window, for browsers not known
/// to the account; higher because many people can share one address.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// A device token is remembered this long after its last successful log-in.
pub const DEVICE_TOKEN_DAYS: i64 = 365;

/// How much password hashing may run at once.
#[derive(Debug, Clone)]
pub struct HashingLimits {
    /// Hashes computed at the same time; each holds Argon2's 19 MiB.
    pub concurrent: usize,
    /// How long a request waits for its turn before it is answered 503.
    pub max_wait: Duration,
}

impl Default for HashingLimits {
    /// One hash per core: more would not finish sooner, only take more memory.
    fn default() -> Self {
        Self {
            concurrent: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_wait: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing slot stayed busy for `max_wait`.
    #[error("the server is busy checking other passwords")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Argon2id hashing and verification on blocking threads, at most `concurrent` at once,
/// each in a working memory that is allocated once and reused: the allocator never sees
/// a burst of 19 MiB blocks it might keep after the burst is over.
pub struct Hasher {
    slots: Semaphore,
    memory: Mutex<Vec<Vec<Block>>>,
    max_wait: Duration,
    /// The hash an unknown name is checked against, so it costs what a known one does.
    dummy: OnceLock<String>,
}

impl Hasher {
    pub fn new(limits: &HashingLimits) -> Self {
        Self {
            slots: Semaphore::new(limits.concurrent.max(1)),
            memory: Mutex::default(),
            max_wait: limits.max_wait,
            dummy: OnceLock::new(),
        }
    }

    /// Runs `job` with a hashing slot and a working memory.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Vec<Block>) -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, HashError> {
        let _slot = tokio::time::timeout(self.max_wait, self.slots.acquire())
            .await
            .map_err(|_| HashError::Busy)?
            .context("hashing slots closed")?;
        let mut memory = self.take_memory();
        let (result, memory) = tokio::task::spawn_blocking(move || {
            let result = job(&mut memory);
            (result, memory)
        })
        .await
        .context("the hashing thread failed")?;
        self.give_back(memory);
        Ok(result?)
    }

    fn take_memory(&self) -> Vec<Block> {
        self.memory
            .lock()
            .map(|mut pool| pool.pop().unwrap_or_default())
            .unwrap_or_default()
    }

    fn give_back(&self, memory: Vec<Block>) {
        if let Ok(mut pool) = self.memory.lock() {
            pool.push(memory);
        }
    }

    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let secret = password.expose().to_owned();
        self.run(move |memory| hash_with(secret.as_bytes(), memory))
            .await
    }

    /// Checks `password` against `stored`, or against a dummy hash when the account
    /// has no usable hash, so an unknown name costs as long as a wrong password.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let real = stored.is_some();
        let phc = match stored {
            Some(phc) => phc,
            None => self.dummy().await?,
        };
        let matches = self
            .run(move |memory| verify_with(password.as_bytes(), &phc, memory))
            .await?;
        Ok(real && matches)
    }

    async fn dummy(&self) -> Result<String, HashError> {
        if let Some(hash) = self.dummy.get() {
            return Ok(hash.clone());
        }
        let hash = self
            .run(|memory| hash_with(b"no account has this password", memory))
            .await?;
        Ok(self.dummy.get_or_init(|| hash).clone())
    }

    /// Computes the dummy hash ahead of the first log-in, which would otherwise take
    /// twice as long for an unknown name and so tell it apart.
    pub async fn warm_up(&self) -> anyhow::Result<()> {
        self.dummy().await.map(drop).map_err(|e| anyhow::anyhow!(e))
    }
}

fn hash_with(password: &[u8], memory: &mut Vec<Block>) -> anyhow::Result<String> {
    let params = Params::default();
    let salt = Salt::generate();
    let mut out = vec![0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params.clone(),
        password,
        &salt,
        &mut out,
        memory,
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("{e}"))?,
        salt: Some(salt),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("{e}"))?),
    };
    Ok(phc.to_string())
}

fn verify_with(password: &[u8], phc: &str, memory: &mut Vec<Block>) -> anyhow::Result<bool> {
    let bad = |e: &dyn std::fmt::Display| anyhow::anyhow!("bad stored hash: {e}");
    let hash = PasswordHash::new(phc).map_err(|e| bad(&e))?;
    let algorithm = Algorithm::try_from(hash.algorithm.as_str()).map_err(|e| bad(&e))?;
    let version = match hash.version {
        Some(v) => Version::try_from(v).map_err(|e| bad(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(&hash).map_err(|e| bad(&e))?;
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return Err(bad(&"no salt or no hash"));
    };
    let mut out = vec![0u8; expected.len()];
    compute(algorithm, version, params, password, salt, &mut out, memory)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(|e| bad(&e))? == *expected)
}

fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    memory: &mut Vec<Block>,
) -> anyhow::Result<()> {
    memory.resize(params.block_count(), Block::new());
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, out, &mut memory[..])
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

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

/// The allowances an attempt from a browser unknown to the account counts against: the
/// account's shared one (`key` is the lowercased name) and the client address's.
pub fn shared_buckets(key: &str, address: &str) -> Vec<(String, i64)> {
    vec![
        (format!("account:{key}"), MAX_FAILURES_PER_ACCOUNT),
        (format!("address:{address}"), MAX_FAILURES_PER_ADDRESS),
    ]
}

/// "Too many attempts, try again in N minutes."
pub fn try_again_in(retry_after_secs: i64) -> String {
    let minutes = (retry_after_secs + 59) / 60;
    format!(
        "Too many attempts, try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    )
}

/// Makes the browser a known browser of the account; the token goes into its cookie.
pub async fn remember_device(pool: &Db, user_id: UserId) -> anyhow::Result<String> {
    let token = random_token()?;
    store::devices::insert(pool, &token, user_id, store::now())
        .await
        .context("storing the device token")?;
    Ok(token)
}

/// 32 random bytes as hex.
fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(concurrent: usize, max_wait_ms: u64) -> HashingLimits {
        HashingLimits {
            concurrent,
            max_wait: Duration::from_millis(max_wait_ms),
        }
    }

    #[tokio::test]
    async fn a_hash_verifies_and_is_a_standard_phc_string() {
        let hasher = Hasher::new(&limits(1, 5_000));
        let password = Password::parse("correct horse battery".into(), &[]).unwrap();
        let phc = hasher.hash(&password).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(
            hasher
                .verify("correct horse battery".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("correct horse batterY".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        // The argon2 crate's own verifier accepts it, so stored hashes stay portable.
        use argon2::password_hash::PasswordVerifier;
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery", &parsed)
                .is_ok()
        );
        // And hashes made by the crate verify here.
        use argon2::password_hash::PasswordHasher;
        let theirs = Argon2::default()
            .hash_password(b"another secret")
            .unwrap()
            .to_string();
        assert!(
            hasher
                .verify("another secret".into(), Some(theirs))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = Hasher::new(&limits(1, 5_000));
        assert!(
            !hasher
                .verify("no account has this password".into(), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_for_a_slot_is_refused() {
        let hasher = std::sync::Arc::new(Hasher::new(&limits(1, 1)));
        let password = Password::parse("correct horse battery".into(), &[]).unwrap();
        let busy = tokio::join!(
            hasher.hash(&password),
            hasher.hash(&password),
            hasher.hash(&password)
        );
        let refused = [busy.0, busy.1, busy.2]
            .into_iter()
            .filter(|r| matches!(r, Err(HashError::Busy)))
            .count();
        assert!(refused >= 1, "three hashes at once with one slot");
        // The working memory is reused, not multiplied.
        assert!(hasher.memory.lock().unwrap().len() <= 1);
    }
}
