//! The trainer's background loop: models stored by other processes, and retraining when due.

use std::sync::Arc;

use super::trainer::Trainer;
use crate::services::training::load_newest;
use crate::store;

impl Trainer {
    /// Swaps in a model another process stored, if it is newer than the one serving.
    #[tracing::instrument(skip_all, fields(step = "probe", version = tracing::field::Empty))]
    async fn pick_up_newer(&self, seen: &mut Option<i64>) -> anyhow::Result<()> {
        let latest = store::models::latest_version(&self.pool).await?;
        if latest == *seen {
            return Ok(());
        }
        *seen = latest;
        let span = tracing::Span::current();
        span.record("step", "load");
        let serving_version = self.slot.current().map(|m| m.version);
        if latest > serving_version
            && let Some(serving) = load_newest(&self.pool).await?
            && Some(serving.version) > serving_version
        {
            span.record("step", "serve");
            span.record("version", serving.version);
            tracing::info!(version = serving.version, "newer model picked up");
            self.slot.replace(serving);
        }
        Ok(())
    }

    /// Whether enough ratings changed, long enough after the last training, to train again.
    #[tracing::instrument(skip_all, fields(step = "count"))]
    async fn retrain_due(&self) -> anyhow::Result<bool> {
        if self.config.retrain_after == 0 || self.status.borrow().running {
            return Ok(false);
        }
        let recently_started = self
            .last_started
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some_and(|at| at.elapsed() < self.config.retrain_interval);
        if recently_started {
            return Ok(false);
        }
        let Some(latest) = store::models::latest_version(&self.pool).await? else {
            // No model yet: any rating is a reason (e.g. a first training that failed).
            return Ok(store::ratings::count_all(&self.pool).await? > 0);
        };
        let Some(info) = store::models::info(&self.pool, latest).await? else {
            return Ok(false);
        };
        let interval = i64::try_from(self.config.retrain_interval.as_secs()).unwrap_or(i64::MAX);
        if store::now().saturating_sub(info.created_at) < interval {
            return Ok(false);
        }
        // Added or changed after the second the model read its data (a change within that
        // second is missed, but the catalog loaded just before a first training is not
        // counted as new); removals count as a net drop in the total, having no row to date.
        let changed = store::ratings::count_changed_after(&self.pool, info.created_at).await?;
        let removed = info
            .n_ratings
            .saturating_sub(store::ratings::count_all(&self.pool).await?)
            .max(0);
        Ok(u64::try_from(changed + removed).unwrap_or(0) >= self.config.retrain_after)
    }

    /// Runs forever: picks up models stored by other processes and retrains when due.
    #[tracing::instrument(name = "watcher", skip_all)]
    pub async fn watch(self: Arc<Self>) {
        let mut seen = self.slot.current().map(|m| m.version);
        let mut tick = tokio::time::interval(self.config.poll_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.pick_up_newer(&mut seen).await {
                tracing::error!(error = %format!("{e:#}"), "cannot look for newer models");
            }
            match self.retrain_due().await {
                Ok(true) => {
                    tracing::info!("enough ratings changed: retraining");
                    let _ = self.start();
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = %format!("{e:#}"), "cannot check for retraining"),
            }
        }
    }
}
