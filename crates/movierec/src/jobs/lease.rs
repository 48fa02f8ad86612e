//! One job of a kind at a time across every process on the database: a lease row taken
//! atomically, renewed while the job runs and released at its end. A process killed in the
//! middle stops renewing, so its lease expires and another process may take it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;

use crate::store::{self, Db};

/// The lease every training takes (the server's, `movierec train`, `import factors`).
pub const TRAINING: &str = "training";
/// The lease every data-set import takes, beside [`TRAINING`].
pub const IMPORT: &str = "import";

/// How long a lease lasts without renewal, and how often its holder renews it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseConfig {
    /// How long another process waits for a holder that died; whole seconds.
    pub length: Duration,
    /// How often the holder renews; well under `length`, so one slow renewal is no loss.
    pub renew_every: Duration,
}

impl Default for LeaseConfig {
    fn default() -> Self {
        Self {
            length: Duration::from_secs(60),
            renew_every: Duration::from_secs(15),
        }
    }
}

/// Why a lease was not taken: another process holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// Who holds it, as that process described itself.
    pub holder: String,
    /// Seconds until it expires unless renewed.
    pub expires_in: i64,
}

impl std::fmt::Display for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "held by {} (renewed while it runs; expires in {} s if that process died)",
            self.holder,
            self.expires_in.max(0)
        )
    }
}

/// A lease this process holds, renewed in the background until released or dropped.
pub struct Lease {
    pool: Db,
    name: &'static str,
    holder: String,
    lost: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
}

/// How this process names itself in a lease: the job, the process id and a random tag (two
/// machines may run processes with the same id).
fn holder_name(job: &str) -> String {
    let mut tag = [0u8; 4];
    // Without randomness the process id alone still names the holder well enough.
    let _ = getrandom::fill(&mut tag);
    format!(
        "{job} in process {} ({:08x})",
        std::process::id(),
        u32::from_be_bytes(tag)
    )
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(1)
}

impl Lease {
    /// Takes the lease `name` for `job` (e.g. "training"), or says who holds it.
    #[tracing::instrument(skip_all, fields(lease = name, job = job))]
    pub async fn acquire(
        pool: &Db,
        name: &'static str,
        job: &str,
        config: LeaseConfig,
    ) -> anyhow::Result<Result<Lease, Held>> {
        let holder = holder_name(job);
        let now = store::now();
        let length = secs(config.length);
        let taken = store::leases::try_take(pool, name, &holder, now, now + length)
            .await
            .with_context(|| format!("cannot take the {name} lease"))?;
        if !taken {
            let held = store::leases::holder(pool, name).await?;
            let (holder, expires_at) = held.unwrap_or_else(|| ("another process".into(), now));
            return Ok(Err(Held {
                holder,
                expires_in: expires_at - now,
            }));
        }
        let lost = Arc::new(AtomicBool::new(false));
        let renewer = tokio::spawn(renew(
            pool.clone(),
            name,
            holder.clone(),
            config,
            Arc::clone(&lost),
        ));
        Ok(Ok(Lease {
            pool: pool.clone(),
            name,
            holder,
            lost,
            renewer,
        }))
    }

    /// Raised once the lease was lost (not renewed in time and taken by another process):
    /// the job should stop and store nothing.
    pub fn lost(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.lost)
    }

    /// Whether the lease is still held, as far as this process knows.
    pub fn is_held(&self) -> bool {
        !self.lost.load(Ordering::Relaxed)
    }

    /// Gives the lease up so another process may take it at once.
    pub async fn release(self) -> anyhow::Result<()> {
        self.renewer.abort();
        store::leases::release(&self.pool, self.name, &self.holder)
            .await
            .with_context(|| format!("cannot release the {} lease", self.name))
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Not released: the row expires by itself.
        self.renewer.abort();
    }
}

/// Renews the lease every `renew_every` until it is lost; a failed renewal is retried until
/// the lease would have expired.
async fn renew(
    pool: Db,
    name: &'static str,
    holder: String,
    config: LeaseConfig,
    lost: Arc<AtomicBool>,
) {
    let length = secs(config.length);
    let mut expires_at = store::now() + length;
    loop {
        tokio::time::sleep(config.renew_every).await;
        let now = store::now();
        match store::leases::renew(&pool, name, &holder, now + length).await {
            Ok(true) => expires_at = now + length,
            Ok(false) => {
                tracing::error!(lease = name, "lease lost to another process");
                lost.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) if now >= expires_at => {
                tracing::error!(lease = name, error = %e, "lease expired: it could not be renewed");
                lost.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => tracing::warn!(lease = name, error = %e, "cannot renew the lease; retrying"),
        }
    }
}

/// Takes the leases `names` in order for `job`, or fails saying which one is held and by
/// whom (giving back any taken). Command-line jobs refuse rather than wait, so a script
/// learns at once and an operator can run it again when the other job has finished.
#[tracing::instrument(skip_all, fields(leases = ?names, job = job))]
pub async fn take_all(
    pool: &Db,
    names: &[&'static str],
    job: &str,
    config: LeaseConfig,
) -> anyhow::Result<Vec<Lease>> {
    let mut taken = Vec::with_capacity(names.len());
    for &name in names {
        match Lease::acquire(pool, name, job, config).await? {
            Ok(lease) => taken.push(lease),
            Err(held) => {
                release_all(taken).await;
                anyhow::bail!(
                    "cannot run the {job} now: the {name} lease is {held}; run it again once that has finished"
                );
            }
        }
    }
    Ok(taken)
}

/// Gives back leases taken with [`take_all`]; one that cannot be released expires by itself.
pub async fn release_all(leases: Vec<Lease>) {
    for lease in leases {
        if let Err(e) = lease.release().await {
            tracing::warn!(error = %format!("{e:#}"), "the lease will expire by itself");
        }
    }
}

/// Takes the lease `name` for `job`, waiting (checking every second) while another process
/// holds it, and saying once on standard error who it waits for: what an import does for a
/// training, which always ends, or whose lease expires if its process died.
pub async fn wait_for(
    pool: &Db,
    name: &'static str,
    job: &str,
    config: LeaseConfig,
) -> anyhow::Result<Lease> {
    let mut told = false;
    loop {
        match Lease::acquire(pool, name, job, config).await? {
            Ok(lease) => return Ok(lease),
            Err(held) if !told => {
                eprintln!("waiting for the {name} lease, {held}");
                told = true;
            }
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
