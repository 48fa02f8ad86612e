//! The settings the web app runs with. The command line builds them (see `cli`), tests
//! write them directly; nothing here reads the environment.

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
