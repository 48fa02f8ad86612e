//! The settings the web app runs with. The command line builds them (see `cli`), tests
//! write them directly; nothing here reads the environment.

use crate::domain::{IpNet, Registration};
use crate::http_server::ServerLimits;
use crate::jobs::TrainingConfig;
use crate::providers::ProvidersConfig;
use crate::services::accounts::HashingLimits;
pub use crate::services::media_servers::pull::{MediaServersConfig, ServerAccess};
use crate::store::PoolLimits;

#[derive(Debug, Clone)]
pub struct Config {
    /// `host:port`; port 0 picks a free port (tests).
    pub bind: String,
    pub database_url: String,
    /// The database pool's size and acquire timeout.
    pub database_pool: PoolLimits,
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
    /// OMDb and TMDB: keys, base URLs, limits. Without keys nothing is fetched.
    pub providers: ProvidersConfig,
    /// Movies the background job fills per hour (0 = no job; page views still fetch).
    pub enrich_per_hour: u32,
    /// Jellyfin and Plex connected by `serve` options (stored as the site's connections at
    /// start-up; `None` keeps what an admin set on the Admin page), and how often linked
    /// users' libraries are read again.
    pub media_servers: MediaServersConfig,
    /// Radarr, stored as the site's connection at start-up when given (checked first);
    /// `None` fields keep the stored settings.
    pub radarr: crate::services::requests::RadarrConfig,
}
