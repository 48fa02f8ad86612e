//! What a user's picks and the visitors' critics list are kept by, per process.

use crate::domain::{MovieId, Stars, UserId};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::picks::{Recommendation, Source};
use crate::store;
use crate::store::Db;
use crate::store::movies::ScoredMovie;

/// How many users' picks a [`PicksCache`] holds before it starts afresh: a few megabytes,
/// and far more users than are active at once on one site.
const MAX_CACHED_PICKS: usize = 20_000;

/// How deep a user's picks are worked out: the most the API or a page asks for. Each user's
/// picks are computed once to this depth and every smaller count is served as their first
/// `n`, so asking for each count in turn costs one computation, not one per count.
pub const MAX_PICKS: usize = 100;

/// Recommendations computed per user to [`MAX_PICKS`], each with the digest of the inputs
/// it was computed from (see the module's documentation).
#[derive(Debug, Default)]
pub struct PicksCache {
    entries: Mutex<HashMap<UserId, CachedPicks>>,
}

#[derive(Debug, Clone)]
pub(super) struct CachedPicks {
    pub(super) digest: u64,
    pub(super) source: Source,
    pub(super) items: Vec<Recommendation>,
    pub(super) computed: Instant,
}

/// The fallback also follows everyone else's ratings (its "best rated" half), which the
/// digest does not cover: its picks are kept this long at most.
const FALLBACK_FRESH: Duration = Duration::from_secs(60);

impl PicksCache {
    /// The first `n` of the user's picks, if they were computed from inputs of this digest.
    pub(super) fn get(
        &self,
        user_id: UserId,
        digest: u64,
        n: usize,
    ) -> Option<(Source, Vec<Recommendation>)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&user_id)
            .filter(|c| c.digest == digest)
            .filter(|c| c.source == Source::Model || c.computed.elapsed() < FALLBACK_FRESH)
            .map(|c| (c.source, c.items.iter().take(n).cloned().collect()))
    }

    pub(super) fn put(&self, user_id: UserId, picks: CachedPicks) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Dropping everything at the limit is crude but cheap, and the limit is far above
        // the number of users active at once.
        if entries.len() >= MAX_CACHED_PICKS && !entries.contains_key(&user_id) {
            entries.clear();
        }
        entries.insert(user_id, picks);
    }
}

/// The critics' best-rated list the home page shows visitors, kept per catalog
/// generation: working it out reads every critic rating, tens of milliseconds on a catalog
/// of tens of thousands of films, and it changes only with the catalog.
#[derive(Debug, Default)]
pub struct CriticsList {
    cached: Mutex<Option<CachedCritics>>,
    generation: store::movie_search::GenerationProbe,
    /// One computation at a time: visitors arriving meanwhile wait for it and take its
    /// result rather than each reading every critic rating again.
    computing: tokio::sync::Mutex<()>,
}

#[derive(Debug, Clone)]
struct CachedCritics {
    generation: i64,
    limit: i64,
    movies: Vec<ScoredMovie>,
    computed: Instant,
}

/// Critic ratings can change without a catalog change (a catalog loaded again with new
/// scores): the list is worked out again after this long at most.
const CRITICS_FRESH: Duration = Duration::from_secs(300);

impl CriticsList {
    /// The `limit` best-rated movies by the critic accounts.
    pub async fn top(&self, pool: &Db, limit: i64) -> sqlx::Result<Vec<ScoredMovie>> {
        let generation = self.generation.read(pool).await?;
        if let Some(movies) = self.fresh(generation, limit) {
            return Ok(movies);
        }
        let _computing = self.computing.lock().await;
        if let Some(movies) = self.fresh(generation, limit) {
            return Ok(movies);
        }
        let movies = store::movies::top_rated_by_critics(pool, limit).await?;
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(CachedCritics {
            generation,
            limit,
            movies: movies.clone(),
            computed: Instant::now(),
        });
        Ok(movies)
    }

    fn fresh(&self, generation: i64, limit: i64) -> Option<Vec<ScoredMovie>> {
        self.cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|c| {
                c.generation == generation
                    && c.limit == limit
                    && c.computed.elapsed() < CRITICS_FRESH
            })
            .map(|c| c.movies.clone())
    }
}

/// A digest of everything a user's picks are computed from.
pub(super) fn inputs_digest(
    model_version: Option<i64>,
    catalog_generation: i64,
    ratings: &[(MovieId, Stars)],
    lists: &store::lists::UserLists,
) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    model_version.hash(&mut hasher);
    catalog_generation.hash(&mut hasher);
    ratings.len().hash(&mut hasher);
    for &(movie, stars) in ratings {
        movie.hash(&mut hasher);
        stars.hash(&mut hasher);
    }
    for list in [&lists.hidden, &lists.watchlist, &lists.seen] {
        list.hash(&mut hasher);
    }
    hasher.finish()
}
