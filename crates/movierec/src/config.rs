//! The settings the web app runs with, taken from `movierec serve`'s flags and env.

use std::time::Duration;

use crate::cli::ServeArgs;
use crate::jobs::TrainingConfig;

#[derive(Debug, Clone)]
pub struct Config {
    /// `host:port`; port 0 picks a free port (tests).
    pub bind: String,
    pub database_url: String,
    /// Mark the session cookie `Secure`: only when served over https.
    pub secure_cookies: bool,
    pub training: TrainingConfig,
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
        }
    }
}
