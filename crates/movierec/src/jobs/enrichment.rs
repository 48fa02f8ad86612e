//! The enrichment job: details and posters for the movies people see most (most rated
//! first), a budget at a time, for `movierec enrich` and in the background of `serve`.
//!
//! - OMDb's "Request limit reached!" stops the run at that request and pauses the job until
//!   the next UTC day; the pause is stored, so a restart does not spend requests to learn it
//!   again.
//! - TMDB's 429 is waited out for its `Retry-After`, then the same movie is tried again.
//! - Requests are spaced by the providers' rate limiter (`--provider-rate`).
//! - It is idempotent: a movie with details is never asked about again, so a run after a
//!   stop picks up where the last one ended.

use std::time::Duration;

use crate::store::Db;

use crate::domain::MovieId;
use crate::providers::{ProviderError, Providers};
use crate::services::enrichment::{self, Outcome};
use crate::store;

/// The name the job's OMDb pause is stored under.
const OMDB: &str = "omdb";

/// Waits for a 429 longer than this end the run instead (the next run resumes).
const MAX_BACKOFF: Duration = Duration::from_secs(120);

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrichReport {
    /// Movies whose details were stored, found at a provider.
    pub filled: usize,
    /// Of those, with a poster.
    pub posters: usize,
    /// Movies no provider knows (stored as such, not asked again).
    pub unknown: usize,
    /// Why the run ended before its budget, if it did.
    pub stopped: Option<String>,
}

/// Told of each movie done, and the budget.
pub trait EnrichProgress: Send + Sync {
    fn on_movie(&self, done: usize, budget: usize);
}

/// No progress shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl EnrichProgress for Quiet {
    fn on_movie(&self, _done: usize, _budget: usize) {}
}

/// Fills up to `budget` movies, most rated first.
#[tracing::instrument(skip_all, fields(budget = budget))]
pub async fn run(
    pool: &Db,
    providers: &Providers,
    budget: usize,
    progress: &dyn EnrichProgress,
) -> sqlx::Result<EnrichReport> {
    let mut report = EnrichReport::default();
    if !providers.any() || budget == 0 {
        return Ok(report);
    }
    if providers.omdb.is_some()
        && let Some(until) = store::details::paused_until(pool, OMDB).await?
        && until > store::now()
    {
        report.stopped = Some(format!(
            "OMDb's daily limit was reached; resuming in {} min (00:00 UTC)",
            (until - store::now() + 59) / 60
        ));
        return Ok(report);
    }
    let queue =
        store::details::most_seen_without_details(pool, i64::try_from(budget).unwrap_or(i64::MAX))
            .await?;
    let mut done = 0;
    for id in queue {
        let Ok(movie) = MovieId::new(id) else {
            continue;
        };
        let outcome = loop {
            match enrichment::ensure_details(pool, providers, movie).await? {
                Outcome::Deferred(ProviderError::RateLimited(wait)) if wait <= MAX_BACKOFF => {
                    tracing::info!(seconds = wait.as_secs(), "TMDB asks to wait; waiting");
                    tokio::time::sleep(wait).await;
                }
                other => break other,
            }
        };
        match outcome {
            Outcome::Stored {
                found: true,
                poster,
            } => {
                report.filled += 1;
                report.posters += usize::from(poster);
            }
            Outcome::Stored { found: false, .. } => report.unknown += 1,
            Outcome::Nothing => {}
            Outcome::Deferred(ProviderError::DailyLimit(message)) => {
                let until = next_utc_day(store::now());
                store::details::pause(pool, OMDB, until, &message).await?;
                report.stopped = Some(format!(
                    "OMDb: {message} Resuming at 00:00 UTC, in {} min.",
                    (until - store::now() + 59) / 60
                ));
                break;
            }
            Outcome::Deferred(fault) => {
                report.stopped = Some(format!("a provider faulted: {fault}"));
                break;
            }
        }
        done += 1;
        progress.on_movie(done, budget);
    }
    Ok(report)
}

/// Midnight UTC after `now` (epoch seconds): when OMDb's daily allowance renews.
pub fn next_utc_day(now: i64) -> i64 {
    const DAY: i64 = 86_400;
    (now.div_euclid(DAY) + 1) * DAY
}

/// The background job of `serve`: one movie every `3600 / per_hour` seconds, in runs of
/// [`run`], until aborted.
pub async fn background(pool: Db, providers: Providers, per_hour: u32) {
    if per_hour == 0 || !providers.any() {
        return;
    }
    let pause = Duration::from_secs(3600) / per_hour;
    loop {
        tokio::time::sleep(pause).await;
        match run(&pool, &providers, 1, &Quiet).await {
            Ok(EnrichReport {
                stopped: Some(why), ..
            }) => tracing::debug!(%why, "enrichment waits"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "enrichment failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_day_starts_at_midnight_utc() {
        assert_eq!(next_utc_day(0), 86_400);
        assert_eq!(next_utc_day(86_399), 86_400);
        assert_eq!(next_utc_day(86_400), 172_800);
        // 2026-11-30 12:00 UTC → 2026-12-01 00:00 UTC.
        assert_eq!(next_utc_day(1_764_504_000), 1_764_547_200);
    }
}
