//! The training job: all ratings in the database → the engine on a blocking thread → a stored
//! model → the serving slot.
//!
//! The model that serves is the one trained without its held-out sample, and the RMSE shown is
//! that model's error on the sample. Training again on everything would serve a slightly better
//! model whose error nobody measured; with a 5 % sample the difference is small and the figure
//! stays honest.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use mf::{Dataset, EpochReport, Params, Progress, Scale};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tokio::sync::watch;

use super::slot::{ModelSlot, ServingModel};
use crate::store;
use crate::store::models::NewModel;

/// Share of the ratings held out to measure the model.
pub const HOLDOUT_FRACTION: f64 = 0.05;
/// Seed of the held-out sample, so runs on the same data are comparable.
const HOLDOUT_SEED: u64 = 7;
/// Stars of the app, as the engine's scale.
const SCALE: Scale = super::STAR_SCALE;

/// One epoch as stored with a model and drawn on the Model page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    pub train_rmse: f64,
    pub holdout_rmse: Option<f64>,
    pub seconds: f64,
}

impl From<&EpochReport> for EpochRecord {
    fn from(r: &EpochReport) -> Self {
        Self {
            epoch: r.epoch,
            train_rmse: r.train_rmse,
            holdout_rmse: r.valid_rmse,
            seconds: r.seconds,
        }
    }
}

/// The training in progress, or how the last one in this process ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrainingStatus {
    pub running: bool,
    /// Epochs done so far (1-based) of `epochs`.
    pub epoch: usize,
    pub epochs: usize,
    pub train_rmse: Option<f64>,
    /// Held-out RMSE after the last epoch done.
    pub holdout_rmse: Option<f64>,
    /// Why the last training failed.
    pub error: Option<String>,
    /// The version the last successful training stored.
    pub version: Option<i64>,
}

/// A model just trained and stored.
#[derive(Debug)]
pub struct Trained {
    pub version: i64,
    pub model: mf::Model,
    pub holdout_rmse: Option<f64>,
    pub n_ratings: usize,
    pub fit_seconds: f64,
}

/// Forwards progress and keeps every epoch for the stored model.
struct Recorder<P> {
    inner: P,
    epochs: Mutex<Vec<EpochRecord>>,
}

impl<P: Progress> Progress for Recorder<P> {
    fn on_epoch(&self, report: &EpochReport) {
        self.epochs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(report.into());
        self.inner.on_epoch(report);
    }

    fn should_stop(&self) -> bool {
        self.inner.should_stop()
    }
}

/// Rows to train on and rows held out: a seeded `fraction` of all rows, except that every
/// user keeps at least one rating in training (a user the model never saw would only measure
/// the fallback to biases).
pub fn holdout_split(ratings: &mf::Ratings, fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let (_, test) = mf::eval::train_test_split(ratings.len(), fraction, seed);
    let entries = ratings.entries();
    let held: HashSet<usize> = test.iter().copied().collect();
    let mut keeps_one: HashSet<u32> = entries
        .iter()
        .enumerate()
        .filter(|(row, _)| !held.contains(row))
        .map(|(_, e)| e.0)
        .collect();
    // `test` is sorted, so `holdout` is too, as `complement` needs.
    let holdout: Vec<usize> = test
        .into_iter()
        .filter(|&row| !keeps_one.insert(entries[row].0))
        .collect();
    (mf::eval::complement(ratings.len(), &holdout), holdout)
}

fn params_json(params: &Params) -> String {
    serde_json::json!({
        "algorithm": params.algorithm.name(),
        "factors": params.factors,
        "epochs": params.epochs,
        "lr": params.lr,
        "lr_decay": params.lr_decay,
        "reg": params.reg,
        "reg_bias": params.reg_bias,
        "init_std": params.init_std,
        "seed": params.seed,
        "popularity_weight": params.popularity_weight,
        "holdout_fraction": HOLDOUT_FRACTION,
    })
    .to_string()
}

/// Reads every rating, trains on a blocking thread and stores the model in one transaction.
/// Nothing is stored when training fails or `progress` asks it to stop.
pub async fn train_and_store<P>(
    pool: &SqlitePool,
    params: Params,
    progress: P,
) -> anyhow::Result<Trained>
where
    P: Progress + Send + 'static,
{
    let created_at = store::now();
    let rows = store::ratings::all_for_training(pool)
        .await
        .context("cannot read the ratings")?;
    if rows.is_empty() {
        bail!("there are no ratings to train on");
    }
    let n_ratings = rows.len();
    let recorder = Arc::new(Recorder {
        inner: progress,
        epochs: Mutex::new(Vec::new()),
    });
    let job = {
        let recorder = Arc::clone(&recorder);
        let params = params.clone();
        move || fit(&rows, &params, &*recorder)
    };
    let started = Instant::now();
    let (model, holdout_rmse, n_users, n_items) = tokio::task::spawn_blocking(job)
        .await
        .context("the training thread failed")?;
    let fit_seconds = started.elapsed().as_secs_f64();
    if recorder.should_stop() {
        bail!("training was cancelled");
    }
    let epochs = recorder
        .epochs
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let mut data = Vec::new();
    model
        .save(&mut data)
        .context("cannot write the model file")?;
    let version = store::models::insert(
        pool,
        &NewModel {
            created_at,
            fit_seconds,
            algorithm: params.algorithm.name().to_owned(),
            params_json: params_json(&params),
            n_ratings: i64::try_from(n_ratings).unwrap_or(i64::MAX),
            n_users: i64::try_from(n_users).unwrap_or(i64::MAX),
            n_items: i64::try_from(n_items).unwrap_or(i64::MAX),
            holdout_rmse,
            epochs_json: serde_json::to_string(&epochs)?,
            data,
        },
    )
    .await
    .context("cannot store the model")?;
    Ok(Trained {
        version,
        model,
        holdout_rmse,
        n_ratings,
        fit_seconds,
    })
}

/// The engine's part: build the data set, split, fit, measure.
fn fit(
    rows: &[store::ratings::TrainingRating],
    params: &Params,
    progress: &dyn Progress,
) -> (mf::Model, Option<f64>, usize, usize) {
    let records = rows.iter().map(|r| {
        (
            r.user_id.to_string(),
            r.movie_id.to_string(),
            r.rating as f32,
        )
    });
    let all = Dataset::from_records(records, SCALE);
    let (train_rows, holdout_rows) = holdout_split(&all.ratings, HOLDOUT_FRACTION, HOLDOUT_SEED);
    let train = all.subset(&train_rows);
    let holdout = (!holdout_rows.is_empty()).then(|| all.subset(&holdout_rows).ratings);
    let model = mf::fit(&train, params, holdout.as_ref(), progress);
    let holdout_rmse = holdout.as_ref().map(|h| mf::eval::accuracy(&model, h).0);
    (model, holdout_rmse, all.users.len(), all.items.len())
}

/// Loads the newest stored model that reads back; a damaged one is logged and skipped so
/// the one before it serves. Returns `None` when no stored model could be loaded.
pub async fn load_newest(pool: &SqlitePool) -> anyhow::Result<Option<ServingModel>> {
    for version in store::models::versions(pool).await? {
        let Some(bytes) = store::models::data(pool, version).await? else {
            continue; // pruned by another process meanwhile
        };
        match mf::Model::from_bytes(&bytes) {
            Ok(model) => return Ok(Some(ServingModel::new(version, model))),
            Err(e) => {
                tracing::error!(version, error = %e, "stored model is unreadable; trying the previous one")
            }
        }
    }
    Ok(None)
}

/// When the server trains by itself.
#[derive(Debug, Clone)]
pub struct TrainingConfig {
    /// Retrain once this many ratings changed since the last model; 0 = never by itself.
    pub retrain_after: u64,
    /// At least this long between two automatic trainings.
    pub retrain_interval: Duration,
    /// Overrides the default model's epochs.
    pub epochs: Option<usize>,
    /// How often to look for due retraining and for models stored by other processes.
    pub poll_interval: Duration,
}

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
    pool: SqlitePool,
    slot: Arc<ModelSlot>,
    config: TrainingConfig,
    status: watch::Sender<TrainingStatus>,
    /// Set when the server stops: a running training ends after its current epoch.
    shutdown: Arc<AtomicBool>,
    last_started: Mutex<Option<Instant>>,
}

/// Publishes epochs into the status and stops when the server or the job's task goes away.
struct StatusProgress {
    status: watch::Sender<TrainingStatus>,
    shutdown: Arc<AtomicBool>,
    dropped: Arc<AtomicBool>,
}

impl Progress for StatusProgress {
    fn on_epoch(&self, r: &EpochReport) {
        self.status.send_modify(|s| {
            s.epoch = r.epoch;
            s.epochs = r.epochs;
            s.train_rmse = Some(r.train_rmse);
            s.holdout_rmse = r.valid_rmse;
        });
    }

    fn should_stop(&self) -> bool {
        self.shutdown.load(Ordering::Relaxed) || self.dropped.load(Ordering::Relaxed)
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
    pub fn new(pool: SqlitePool, slot: Arc<ModelSlot>, config: TrainingConfig) -> Self {
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

    /// The default model with this server's epoch override, on all cores but one so that
    /// requests keep a core while a training runs.
    fn params(&self) -> Params {
        let mut params = Params::default();
        if let Some(epochs) = self.config.epochs {
            params.epochs = epochs;
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        params.threads = cores.saturating_sub(1).max(1);
        params
    }

    /// Starts a training in the background unless one is running.
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
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let dropped = Arc::new(AtomicBool::new(false));
            let _guard = SetOnDrop(Arc::clone(&dropped));
            let progress = StatusProgress {
                status: this.status.clone(),
                shutdown: Arc::clone(&this.shutdown),
                dropped,
            };
            let outcome = train_and_store(&this.pool, params, progress).await;
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
                    this.slot.replace(ServingModel::new(version, trained.model));
                    (Some(version), None)
                }
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "training failed");
                    (None, Some(format!("{e:#}")))
                }
            };
            this.status.send_modify(|s| {
                s.running = false;
                s.error = error;
                s.version = version.or(s.version);
            });
        });
        Ok(())
    }

    /// Ends a running training after its current epoch, storing nothing.
    pub fn stop(&self) {
        self.shutdown.store(true, Ordering::Relaxed);
    }

    /// Serves the newest stored model, or starts a first training when none is stored
    /// (so a new site predicts from the critics' ratings right away).
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

    /// Swaps in a model another process stored, if it is newer than the one serving.
    async fn pick_up_newer(&self, seen: &mut Option<i64>) -> anyhow::Result<()> {
        let latest = store::models::latest_version(&self.pool).await?;
        if latest == *seen {
            return Ok(());
        }
        *seen = latest;
        let serving_version = self.slot.current().map(|m| m.version);
        if latest > serving_version
            && let Some(serving) = load_newest(&self.pool).await?
            && Some(serving.version) > serving_version
        {
            tracing::info!(version = serving.version, "newer model picked up");
            self.slot.replace(serving);
        }
        Ok(())
    }

    /// Whether enough ratings changed, long enough after the last training, to train again.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ratings(per_user: &[usize]) -> mf::Ratings {
        let records = per_user.iter().enumerate().flat_map(|(u, &n)| {
            (0..n).map(move |i| (u.to_string(), i.to_string(), 3.0 + (i % 3) as f32 * 0.5))
        });
        Dataset::from_records(records, SCALE).ratings
    }

    #[test]
    fn holdout_is_seeded_disjoint_and_keeps_a_rating_per_user() {
        let r = ratings(&[1, 2, 40, 200, 3, 1]);
        let (train, holdout) = holdout_split(&r, 0.3, 1);
        assert_eq!(train.len() + holdout.len(), r.len());
        let held: HashSet<_> = holdout.iter().collect();
        assert!(train.iter().all(|row| !held.contains(row)));
        // A large share is held out, but no user loses all their ratings.
        assert!(holdout.len() > r.len() / 5, "{}", holdout.len());
        for user in 0..r.n_users() as u32 {
            assert!(
                train.iter().any(|&row| r.entries()[row].0 == user),
                "user {user} has no training rating"
            );
        }
        assert_eq!(holdout_split(&r, 0.3, 1), (train, holdout));
        assert_ne!(holdout_split(&r, 0.3, 2).1, holdout_split(&r, 0.3, 1).1);
    }

    #[test]
    fn a_single_rating_is_never_held_out() {
        let r = ratings(&[1]);
        let (train, holdout) = holdout_split(&r, 1.0, 3);
        assert_eq!((train, holdout), (vec![0], vec![]));
    }
}
