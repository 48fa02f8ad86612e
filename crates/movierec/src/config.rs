//! The settings the web app runs with, taken from `movierec serve`'s flags and env.

use std::time::Duration;

use crate::cli::ServeArgs;
use crate::domain::IpNet;
use crate::domain::Registration;
use crate::http_server::ServerLimits;
use crate::jobs::TrainingConfig;
use crate::services::accounts::HashingLimits;

#[derive(Debug, Clone)]
pub struct Config {
    /// `host:port`; port 0 picks a free port (tests).
    pub bind: String,
    pub database_url: String,
    /// Mark the session cookie `Secure`: only when served over https.
    pub secure_cookies: bool,
    pub training: TrainingConfig,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
    pub hashing: HashingLimits,
    pub server: ServerLimits,
    /// Stored as the site's registration setting at start-up; `None` keeps the stored one.
    pub registration: Option<Registration>,
    /// Accounts one client address may create per hour; 0 = no limit.
    pub registrations_per_hour: u32,
}

impl From<&ServeArgs> for Config {
    fn from(args: &ServeArgs) -> Self {
        Self {
            bind: args.bind.clone(),
            database_url: args.database_url.clone(),
            secure_cookies: args.secure_cookies,
            training: TrainingConfig {
                retrain_after: args.retrain_after,
                retrain_interval: Duration::from_secs(args.retrain_interval_secs),
                epochs: args.train_epochs.map(|e| e as usize),
                learning_rate: None,
                poll_interval: Duration::from_secs(args.model_poll_secs),
            },
            trusted_proxies: args.trusted_proxies.clone(),
            hashing: HashingLimits {
                concurrent: match args.max_concurrent_hashes {
                    0 => HashingLimits::default().concurrent,
                    n => n,
                },
                max_wait: Duration::from_millis(args.hash_wait_ms),
            },
            server: ServerLimits {
                header_timeout: Duration::from_secs(args.header_timeout_secs),
                body_timeout: Duration::from_secs(args.body_timeout_secs),
                idle_timeout: Duration::from_secs(args.idle_timeout_secs),
                max_connections: args.max_connections as usize,
            },
            registration: args.registration,
            registrations_per_hour: args.registrations_per_hour,
        }
    }
}
