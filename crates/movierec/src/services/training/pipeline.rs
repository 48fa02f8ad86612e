//! One training from the database to a stored model: read the ratings, split off the held-out
//! sample, fit on a blocking thread, measure, store in one transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::store::Db;
use anyhow::{Context, bail};
use movierec_engine::{EpochReport, Fit, Params, Progress, Stage};
use serde::{Deserialize, Serialize};

use super::holdout::{HOLDOUT_FRACTION, TrainingSets, training_sets};
use crate::domain::MovieId;
use crate::importers::titles;
use crate::serving::{Dataset, Model, ServingModel};
use crate::store;
use crate::store::models::NewModel;

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
            holdout_rmse: r.holdout_rmse,
            seconds: r.seconds,
        }
    }
}

/// A model just trained and stored.
#[derive(Debug)]
pub struct Trained {
    pub version: i64,
    pub model: Model,
    pub holdout_rmse: Option<f64>,
    pub n_ratings: usize,
    /// Reading the ratings from the database.
    pub read_seconds: f64,
    /// Splitting and fitting.
    pub fit_seconds: f64,
    /// Writing the model file and storing it.
    pub store_seconds: f64,
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

    fn on_stage(&self, stage: Stage, seconds: f64) {
        tracing::info!(stage = stage.name(), seconds, "training: stage done");
        self.inner.on_stage(stage, seconds);
    }

    fn should_stop(&self) -> bool {
        self.inner.should_stop()
    }
}

/// How a training runs, apart from the model's hyper-parameters: each `None` leaves the
/// engine's default (seed 42, all cores, a 20 s search).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunOptions {
    pub seed: Option<u64>,
    /// Worker threads; 0 = all cores.
    pub threads: Option<usize>,
    /// Seconds the hybrid may spend choosing its implicit-feedback values; 0 keeps them.
    pub search_seconds: Option<f32>,
}

impl RunOptions {
    /// `fit` with these options set.
    pub fn apply<'a>(&self, mut fit: Fit<'a, Params>) -> Fit<'a, Params> {
        if let Some(seed) = self.seed {
            fit = fit.seed(seed);
        }
        if let Some(threads) = self.threads {
            fit = fit.threads(threads);
        }
        if let Some(seconds) = self.search_seconds {
            fit = fit.search_seconds(seconds);
        }
        fit
    }
}

/// The parameters stored with a model: the engine's, the seed when one was given, and how
/// the model was measured.
#[derive(Serialize)]
struct StoredParams<'a> {
    #[serde(flatten)]
    params: &'a Params,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    holdout_fraction: f64,
}

/// Reads every rating, trains on a blocking thread and stores the model in one transaction.
/// Nothing is stored when training fails (a divergence included) or `progress` asks it to stop.
pub async fn train_and_store<P>(
    pool: &Db,
    params: Params,
    run: RunOptions,
    progress: P,
) -> anyhow::Result<Trained>
where
    P: Progress + Send + 'static,
{
    let created_at = store::now();
    let started = Instant::now();
    let all = super::holdout::read_ratings(pool)
        .await
        .context("cannot read the ratings")?;
    if all.ratings().is_empty() {
        bail!("there are no ratings to train on");
    }
    let n_ratings = all.ratings().len();
    let read_seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        ratings = n_ratings,
        seconds = read_seconds,
        "training: ratings read"
    );
    let params = at_scale(from_last_choice(pool, params, &run).await, n_ratings);
    tracing::info!(
        epochs = params.epochs,
        implicit_epochs = params.implicit.as_ref().map(|i| i.epochs),
        "training: epochs for the data's size"
    );
    // Every catalog film joins the model, rated or not, through its features.
    let catalog = engine_catalog(content_features(pool).await?);
    let recorder = Arc::new(Recorder {
        inner: progress,
        epochs: Mutex::new(Vec::new()),
    });
    let job = {
        let recorder = Arc::clone(&recorder);
        let params = params.clone();
        move || fit(all, &catalog, &params, &run, &*recorder)
    };
    let started = Instant::now();
    let fitted = tokio::task::spawn_blocking(job)
        .await
        .context("the training thread failed")??;
    let fit_seconds = started.elapsed().as_secs_f64();
    if recorder.should_stop() {
        bail!("training was cancelled");
    }
    let epochs = recorder
        .epochs
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    tracing::info!(seconds = fit_seconds, "training: model fitted");
    let started = Instant::now();
    let mut data = Vec::new();
    fitted
        .model
        .save(&mut data)
        .context("cannot write the model file")?;
    let fitted_bytes = data.len();
    let chosen = chosen(&params, &fitted.model);
    let stored_params = StoredParams {
        params: &chosen,
        seed: run.seed,
        holdout_fraction: HOLDOUT_FRACTION,
    };
    let version = store::models::insert(
        pool,
        &NewModel {
            created_at,
            fit_seconds,
            algorithm: params.algorithm.name().to_owned(),
            params_json: serde_json::to_string(&stored_params)?,
            n_ratings: i64::try_from(n_ratings).unwrap_or(i64::MAX),
            n_users: i64::try_from(fitted.n_users).unwrap_or(i64::MAX),
            n_items: i64::try_from(fitted.n_items).unwrap_or(i64::MAX),
            holdout_rmse: fitted.holdout_rmse,
            epochs_json: serde_json::to_string(&epochs)?,
            data,
        },
    )
    .await
    .context("cannot store the model")?;
    let store_seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        seconds = store_seconds,
        bytes = fitted_bytes,
        "training: model stored"
    );
    // The site's own raters count for films no data set counts; their ratings change between
    // trainings, so each one brings "Most votes" up to date. The model is stored either way.
    if let Err(e) = refresh_votes(pool).await {
        tracing::warn!(error = %e, "training: the vote counts were not refreshed");
    }
    Ok(Trained {
        version,
        model: fitted.model,
        holdout_rmse: fitted.holdout_rmse,
        n_ratings,
        read_seconds,
        fit_seconds,
        store_seconds,
    })
}

/// `params` with the search starting where the last training's ended: the implicit model's
/// factors, regularisation and unobserved weight it chose. Each training's search takes a
/// few steps within its budget, so successive trainings keep walking towards the values
/// that suit this site's ratings. A search that is off, or no earlier model of ours (none, or
/// one from Spark), leaves `params` as given.
async fn from_last_choice(pool: &Db, mut params: Params, run: &RunOptions) -> Params {
    if run.search_seconds.is_some_and(|seconds| seconds <= 0.0) {
        return params;
    }
    let last = match store::models::latest_params(pool).await {
        Ok(last) => last,
        Err(e) => {
            tracing::warn!(error = %e, "training: the last model's parameters were not read");
            None
        }
    };
    let chosen = last.and_then(|json| serde_json::from_str::<Params>(&json).ok());
    if let (Some(start), Some(last)) = (params.implicit.as_mut(), chosen.and_then(|c| c.implicit)) {
        start.factors = last.factors;
        start.reg = last.reg;
        start.unobserved_weight = last.unobserved_weight;
        tracing::info!(
            factors = start.factors,
            reg = start.reg,
            unobserved_weight = start.unobserved_weight,
            "training: the search starts from the last training's choice"
        );
    }
    params
}

/// What the model was trained with: `params` with the implicit model's values, the blend and
/// the taste weight as chosen in training.
fn chosen(params: &Params, model: &Model) -> Params {
    let mut chosen = params.clone();
    if let Some(implicit) = model.implicit() {
        chosen.implicit = Some(implicit.params().clone());
        chosen.blend = Some(model.blend());
        chosen.taste = Some(model.taste());
    }
    chosen
}

/// Ratings the rating model's epochs may visit in all: a budget that leaves ML-100k and ML-1M
/// their full 30 epochs and gives ML-10M 20, ml-32m 6. On tens of millions of ratings every
/// movie gets hundreds of updates an epoch while each epoch costs seconds per core (ml-32m's
/// shape at 6 epochs: held-out RMSE 0.866, BENCHMARKS.md "Scale").
const EPOCH_VISITS: usize = 200_000_000;
/// The same budget for the implicit model's epochs, each of which costs several times an
/// SGD epoch: ML-1M and ML-10M keep their 12, ml-32m gets 4.
const IMPLICIT_EPOCH_VISITS: usize = 160_000_000;
/// The fewest epochs the budgets leave either model.
const MIN_EPOCHS_AT_SCALE: usize = 4;
/// Data sets smaller than this train as asked: the budgets are for tens of millions.
const AT_SCALE_RATINGS: usize = 5_000_000;

/// `params` with both models' epochs capped by [`EPOCH_VISITS`] and
/// [`IMPLICIT_EPOCH_VISITS`] for `n_ratings` ratings: only ever fewer, so a smaller setting
/// is kept. Data sets under [`AT_SCALE_RATINGS`] are untouched.
fn at_scale(mut params: Params, n_ratings: usize) -> Params {
    if n_ratings < AT_SCALE_RATINGS {
        return params;
    }
    let cap = |budget: usize| (budget / n_ratings.max(1)).max(MIN_EPOCHS_AT_SCALE);
    let explicit_cap = cap(EPOCH_VISITS);
    if params.epochs > explicit_cap {
        params.epochs = explicit_cap;
    }
    let implicit_cap = cap(IMPLICIT_EPOCH_VISITS);
    if let Some(implicit) = params.implicit.as_mut()
        && implicit.epochs > implicit_cap
    {
        implicit.epochs = implicit_cap;
    }
    params
}

/// What the engine's part hands back.
struct Fitted {
    model: Model,
    holdout_rmse: Option<f64>,
    n_users: usize,
    n_items: usize,
}

/// The engine's part: split, fit, add the catalog's films, measure.
fn fit(
    all: Dataset,
    catalog: &[(MovieId, Vec<String>)],
    params: &Params,
    run: &RunOptions,
    progress: &dyn Progress,
) -> Result<Fitted, movierec_engine::FitError> {
    let started = Instant::now();
    let TrainingSets {
        all,
        train,
        holdout,
    } = training_sets(all);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "training: held-out ratings split off"
    );
    let (n_users, n_items) = (all.users().len(), all.items().len());
    // Only the counts are needed from here on: the copy of every rating goes before the fit.
    drop(all);
    let mut fit = run.apply(Fit::new(params)).progress(progress);
    if let Some(holdout) = &holdout {
        fit = fit.validation(holdout);
    }
    let model = fit.run(&train)?;
    let started = Instant::now();
    let model = model.with_catalog(catalog);
    tracing::info!(
        films = catalog.len(),
        seconds = started.elapsed().as_secs_f64(),
        "training: catalog films joined"
    );
    let started = Instant::now();
    let holdout_rmse = holdout
        .as_ref()
        .map(|h| movierec_engine::eval::accuracy(&model, h).0);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "training: held-out ratings measured"
    );
    Ok(Fitted {
        model,
        holdout_rmse,
        n_users,
        n_items,
    })
}

/// The catalog's features as the engine takes them: movie ids as item ids, in id order.
fn engine_catalog(features: HashMap<MovieId, Vec<String>>) -> Vec<(MovieId, Vec<String>)> {
    let mut catalog: Vec<(MovieId, Vec<String>)> = features.into_iter().collect();
    catalog.sort_unstable_by_key(|(id, _)| *id);
    catalog
}

/// The catalog's content features by movie id: genres, director, decade and, for films of a
/// series of two or more, the series (see [`titles::series`]).
pub async fn content_features(pool: &Db) -> anyhow::Result<HashMap<MovieId, Vec<String>>> {
    let rows = store::recommendations::content(pool)
        .await
        .context("cannot read the catalog's genres and directors")?;
    let series: Vec<String> = rows.iter().map(|row| titles::series(&row.title)).collect();
    let mut films_of: HashMap<&str, usize> = HashMap::new();
    for s in &series {
        *films_of.entry(s.as_str()).or_default() += 1;
    }
    Ok(rows
        .iter()
        .zip(&series)
        .map(|(row, series)| {
            let mut features: Vec<String> = row
                .genres
                .iter()
                .flat_map(|g| g.split('|'))
                .filter(|g| !g.is_empty())
                .map(|g| format!("genre:{g}"))
                .collect();
            if let Some(director) = row.director.as_deref().filter(|d| !d.trim().is_empty()) {
                features.push(format!("director:{}", director.trim()));
            }
            if let Some(year) = row.year {
                features.push(format!("decade:{}", year - year.rem_euclid(10)));
            }
            if !series.is_empty() && films_of[series.as_str()] > 1 {
                features.push(format!("{}{series}", movierec_engine::SERIES));
            }
            (row.id, features)
        })
        .collect())
}

/// Loads the newest stored model that reads back; a damaged one is logged and skipped so
/// the one before it serves. Returns `None` when no stored model could be loaded.
pub async fn load_newest(pool: &Db) -> anyhow::Result<Option<ServingModel>> {
    for version in store::models::versions(pool).await? {
        let Some(bytes) = store::models::data(pool, version).await? else {
            continue; // pruned by another process meanwhile
        };
        match Model::from_bytes(&bytes) {
            Ok(model) => {
                let content = content_features(pool).await?;
                return Ok(Some(
                    ServingModel::new(version, model).with_content(&content),
                ));
            }
            Err(e) => {
                tracing::error!(version, error = %e, "stored model is unreadable; trying the previous one")
            }
        }
    }
    Ok(None)
}

/// [`store::catalog::refresh_votes`] in a transaction of its own.
async fn refresh_votes(pool: &Db) -> sqlx::Result<()> {
    let mut tx = store::begin_write(pool).await?;
    let changed = store::catalog::refresh_votes(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(films = changed, "training: vote counts refreshed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_are_capped_only_at_scale_and_never_raised() {
        let hybrid = Params::hybrid();
        let implicit_epochs = |p: &Params| p.implicit.as_ref().map(|i| i.epochs);
        // Small and mid-sized sets train as asked, however many epochs that is.
        for n in [100_000, 1_000_000, AT_SCALE_RATINGS - 1] {
            assert_eq!(at_scale(hybrid.clone(), n), hybrid);
            let long = hybrid.clone().with_epochs(1_000_000);
            assert_eq!(at_scale(long.clone(), n), long);
        }
        // ml-32m's size: both models capped by their budgets.
        let big = at_scale(hybrid.clone(), 32_000_000);
        assert_eq!(big.epochs, EPOCH_VISITS / 32_000_000);
        assert!(big.epochs < hybrid.epochs);
        assert_eq!(
            implicit_epochs(&big),
            Some((IMPLICIT_EPOCH_VISITS / 32_000_000).max(MIN_EPOCHS_AT_SCALE))
        );
        // Never below the floor, and a smaller setting is kept.
        assert_eq!(
            at_scale(hybrid.clone(), 1 << 40).epochs,
            MIN_EPOCHS_AT_SCALE
        );
        let short = hybrid.with_epochs(2);
        assert_eq!(at_scale(short, 32_000_000).epochs, 2);
    }
}
