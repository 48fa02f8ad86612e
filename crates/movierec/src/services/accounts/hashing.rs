//! Argon2id password hashing within a memory budget.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use anyhow::Context;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::Semaphore;

use crate::domain::Password;

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
