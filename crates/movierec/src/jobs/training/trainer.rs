//! One training at a time in the background, with its progress published as a status.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::store::Db;
use movierec_engine::{EpochReport, Params, Progress};
use tokio::sync::watch;

use super::config::TrainingConfig;
use super::status::TrainingStatus;
use crate::jobs::lease::{self, Lease};
use crate::services::training::{RunOptions, content_features, load_newest, train_and_store};
use crate::serving::{ModelSlot, ServingModel};
use crate::store;

/// Why a training was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyRunning;

impl std::fmt::Display for AlreadyRunning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("A training is already running.")
    }
}

/// Runs one training at a time in the background and publishes its progress.
pub struct Trainer {
    pub(super) pool: Db,
    pub(super) slot: Arc<ModelSlot>,
    pub(super) config: TrainingConfig,
    pub(super) status: watch::Sender<TrainingStatus>,
    /// Set when the server stops: a running training ends after its current epoch.
    shutdown: Arc<AtomicBool>,
    pub(super) last_started: Mutex<Option<Instant>>,
}

/// Publishes epochs into the status and stops when the server or the job's task goes away.
struct StatusProgress {
    status: watch::Sender<TrainingStatus>,
    shutdown: Arc<AtomicBool>,
    dropped: Arc<AtomicBool>,
    /// Raised when the training lease was lost: another process may be training now.
    lease_lost: Arc<AtomicBool>,
}

impl Progress for StatusProgress {
    fn on_epoch(&self, r: &EpochReport) {
        self.status.send_modify(|s| {
            s.epoch = r.epoch;
            s.epochs = r.epochs;
            s.train_rmse = Some(r.train_rmse);
            s.holdout_rmse = r.holdout_rmse;
        });
    }

    fn should_stop(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed)
            || self.dropped.load(Ordering::Relaxed)
            || self.lease_lost.load(Ordering::Relaxed)
    }
}

/// Raised when the task awaiting a training is dropped (the runtime shutting down), so the
/// blocking thread does not outlive it.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Trainer {
    pub fn new(pool: Db, slot: Arc<ModelSlot>, config: TrainingConfig) -> Self {
        Self {
            pool,
            slot,
            config,
            status: watch::Sender::new(TrainingStatus::default()),
            shutdown: Arc::new(AtomicBool::new(false)),
            last_started: Mutex::new(None),
        }
    }

    pub fn status(&self) -> TrainingStatus {
        self.status.borrow().clone()
    }

    /// The recommended model (ratings and what people choose to watch, blended) with this
    /// server's overrides.
    fn params(&self) -> Params {
        let mut params = Params::hybrid();
        if let Some(epochs) = self.config.epochs {
            params.epochs = epochs;
        }
        if let Some(lr) = self.config.learning_rate {
            params.lr = lr;
        }
        params
    }

    /// All cores but one, so that requests keep a core while a training runs.
    fn run_options() -> RunOptions {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        RunOptions {
            threads: Some(cores.saturating_sub(1).max(1)),
            ..RunOptions::default()
        }
    }

    /// Starts a training in the background unless one is running. Only a training that
    /// succeeds replaces the serving model; a failed one (a divergence included) is reported in
    /// the status and leaves the previous model serving. The training first takes the
    /// training lease; while another process holds it, this one skips and says so in the
    /// status (that process's model is picked up when stored).
    pub fn start(self: &Arc<Self>) -> Result<(), AlreadyRunning> {
        let params = self.params();
        let started = self.status.send_if_modified(|s| {
            if s.running {
                return false;
            }
            *s = TrainingStatus {
                running: true,
                epochs: params.epochs,
                version: s.version,
                ..TrainingStatus::default()
            };
            true
        });
        if !started {
            return Err(AlreadyRunning);
        }
        *self
            .last_started
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Instant::now());
        tokio::spawn(Arc::clone(self).train(params));
        Ok(())
    }

    /// The training [`Trainer::start`] began: the lease, the pipeline, the new model into the
    /// slot, the status.
    #[tracing::instrument(
        name = "training",
        skip_all,
        fields(step = tracing::field::Empty, version = tracing::field::Empty)
    )]
    async fn train(self: Arc<Self>, params: Params) {
        let span = tracing::Span::current();
        span.record("step", "lease");
        let dropped = Arc::new(AtomicBool::new(false));
        let _guard = SetOnDrop(Arc::clone(&dropped));
        let lease = match Lease::acquire(&self.pool, lease::TRAINING, "training", self.config.lease)
            .await
        {
            Ok(Ok(lease)) => lease,
            Ok(Err(held)) => {
                tracing::info!(%held, "another process is training: skipped");
                self.status.send_modify(|s| {
                    s.running = false;
                    s.skipped = Some(format!(
                        "another instance is training; the training lease is {held}."
                    ));
                });
                return;
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "training not started");
                self.status.send_modify(|s| {
                    s.running = false;
                    s.error = Some(format!("{e:#}"));
                });
                return;
            }
        };
        let progress = StatusProgress {
            status: self.status.clone(),
            shutdown: Arc::clone(&self.shutdown),
            dropped,
            lease_lost: lease.lost(),
        };
        span.record("step", "fit");
        let outcome = train_and_store(&self.pool, params, Self::run_options(), progress).await;
        let outcome = match outcome {
            Err(e) if !lease.is_held() => {
                Err(e.context("the training lease was lost to another process"))
            }
            outcome => outcome,
        };
        span.record("step", "release");
        if let Err(e) = lease.release().await {
            tracing::warn!(error = %format!("{e:#}"), "the lease will expire by itself");
        }
        let (version, error) = match outcome {
            Ok(trained) => {
                tracing::info!(
                    version = trained.version,
                    ratings = trained.n_ratings,
                    seconds = trained.fit_seconds,
                    holdout_rmse = trained.holdout_rmse,
                    "model trained"
                );
                let version = trained.version;
                span.record("step", "serve");
                span.record("version", version);
                let serving = ServingModel::new(version, trained.model);
                // Without the catalog's features, similar movies fall back to factors.
                let serving = match content_features(&self.pool).await {
                    Ok(content) => serving.with_content(&content),
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "no content features");
                        serving
                    }
                };
                self.slot.replace(serving);
                (Some(version), None)
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "training failed");
                (None, Some(format!("{e:#}")))
            }
        };
        self.status.send_modify(|s| {
            s.running = false;
            s.error = error;
            s.version = version.or(s.version);
        });
    }

    /// Ends a running training after its current epoch, storing nothing.
    pub fn stop(&self) {
        self.shutdown.store(true, Ordering::Relaxed);
    }

    /// Serves the newest stored model, or starts a first training when none is stored
    /// (so a new site predicts from the critics' ratings right away).
    #[tracing::instrument(skip_all, fields(step = "load"))]
    pub async fn load_or_train(self: &Arc<Self>) -> anyhow::Result<()> {
        match load_newest(&self.pool).await? {
            Some(serving) => {
                tracing::info!(version = serving.version, "model loaded");
                self.slot.replace(serving);
            }
            None if store::ratings::count_all(&self.pool).await? > 0 => {
                tracing::info!("no model stored yet: training a first one");
                // Nothing else can be running this early.
                let _ = self.start();
            }
            None => {}
        }
        Ok(())
    }
}
