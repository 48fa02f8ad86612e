//! What every handler can reach: the database, the shared services, the caches of
//! computed answers and the site's settings.
//!
//! Handlers import [`AppState`] from here, so the route table in `web/mod.rs` is the only
//! module that knows the handlers and none of them reaches back up to it.

use std::sync::Arc;

use crate::domain::IpNet;
use crate::jobs::Trainer;
use crate::providers::Providers;
use crate::search::index::IndexCache;
use crate::services::accounts::Hasher;
use crate::services::history::HistoryParsing;
use crate::services::recommendations::{CriticsList, PicksCache};
use crate::serving::ModelSlot;
use crate::store::Db;

#[derive(Clone)]
pub struct AppState {
    pub pool: Db,
    /// The model serving recommendations; empty until the first training finishes.
    pub models: Arc<ModelSlot>,
    /// Trains new models in the background, one at a time.
    pub trainer: Arc<Trainer>,
    /// Password hashing, a bounded number at a time.
    pub hasher: Arc<Hasher>,
    /// History uploads read and matched a bounded number at a time.
    pub history_parsing: Arc<HistoryParsing>,
    /// OMDb and TMDB clients for the keys given (none without keys).
    pub providers: Providers,
    /// The catalog in memory for title search, rebuilt when the catalog changes.
    pub search: Arc<IndexCache>,
    pub caches: Caches,
    pub settings: Settings,
}

/// Answers kept while nothing they depend on changes.
#[derive(Clone, Default)]
pub struct Caches {
    /// Users' recommendations.
    pub picks: Arc<PicksCache>,
    /// The critics' list visitors see, kept while the catalog stays the same.
    pub critics: Arc<CriticsList>,
}

/// The site's settings from the command line.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<[IpNet]>,
    /// Mark cookies `Secure` (served over https).
    pub secure_cookies: bool,
    /// Accounts one client address may create per hour; 0 = no limit.
    pub registrations_per_hour: u32,
}
