//! The settings the web app runs with, taken from `movierec serve`'s flags and env.

use crate::cli::ServeArgs;

#[derive(Debug, Clone)]
pub struct Config {
    /// `host:port`; port 0 picks a free port (tests).
    pub bind: String,
    pub database_url: String,
    /// Mark the session cookie `Secure`: only when served over https.
    pub secure_cookies: bool,
}

impl From<&ServeArgs> for Config {
    fn from(args: &ServeArgs) -> Self {
        Self {
            bind: args.bind.clone(),
            database_url: args.database_url.clone(),
            secure_cookies: args.secure_cookies,
        }
    }
}
