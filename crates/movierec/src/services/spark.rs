//! Training past one machine: the ratings go out to a Spark job, its factors come back as a
//! stored model that every server picks up.
//!
//! Spark's ALS learns factors without biases, so the export removes a baseline first
//! (global mean + user and item biases, fitted here on the same training ratings) and Spark
//! learns the residual. [`export_ratings`] writes, into an empty folder:
//!
//! - `baseline.mfm`: the baseline as an engine model file, with the user and item ids;
//! - `ratings.csv`: `user,item,residual`, the training ratings by the baseline's indices;
//! - `holdout.csv`: `user,item,rating`, the held-out sample every model of the site is
//!   measured on (the same split the server's trainings use);
//! - `export.json`: counts and when, for people and scripts.
//!
//! `spark/als.py` reads `ratings.csv` and writes `user_factors/` and `item_factors/` (and
//! `spark.json` with its parameters) beside it; [`import_factors`] adds those factors to the
//! baseline, measures the result on `holdout.csv` and stores it as the newest model.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use crate::store::Db;
use anyhow::{Context, bail};
use movierec_engine::{Algorithm, ItemIdx, Params, UserIdx};
use serde::{Deserialize, Serialize};

use crate::importers::datasets::spark_factors::{self, FactorRow};
use crate::services::training::HOLDOUT_FRACTION;
use crate::services::training::holdout::{TrainingSets, read_ratings, training_sets};
use crate::serving::{Dataset, Model};
use crate::store;
use crate::store::models::NewModel;

const BASELINE_FILE: &str = "baseline.mfm";
const RATINGS_FILE: &str = "ratings.csv";
const HOLDOUT_FILE: &str = "holdout.csv";
const EXPORT_FILE: &str = "export.json";
const SPARK_FILE: &str = "spark.json";

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportSummary {
    /// Training ratings in `ratings.csv`.
    pub ratings: u64,
    /// Held-out ratings in `holdout.csv`.
    pub holdout: u64,
    pub users: u64,
    pub items: u64,
    /// The baseline's RMSE on the held-out sample, the floor Spark's factors should beat.
    pub baseline_holdout_rmse: Option<f64>,
    /// Unix seconds.
    pub created_at: i64,
}

/// What the Spark job says of its run (`spark.json`); every field optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SparkRun {
    pub rank: Option<u32>,
    pub max_iter: Option<u32>,
    pub reg_param: Option<f64>,
    pub seconds: Option<f64>,
}

/// What importing factors stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorsSummary {
    /// The stored model's version.
    pub version: i64,
    pub factors: usize,
    pub users: usize,
    pub items: usize,
    /// RMSE on the held-out sample of the export.
    pub holdout_rmse: Option<f64>,
    pub baseline_holdout_rmse: Option<f64>,
}

/// Writes the site's ratings for a Spark job into `out` (created if missing; it must be empty,
/// so an earlier export is never mixed with this one).
#[tracing::instrument(skip_all, fields(out = %out.display()))]
pub async fn export_ratings(pool: &Db, out: &Path) -> anyhow::Result<ExportSummary> {
    let created_at = store::now();
    let all = read_ratings(pool)
        .await
        .context("cannot read the ratings")?;
    if all.ratings().is_empty() {
        bail!("there are no ratings to export");
    }
    let out = out.to_owned();
    tokio::task::spawn_blocking(move || write_export(&out, all, created_at))
        .await
        .context("the export thread failed")?
}

fn write_export(out: &Path, all: Dataset, created_at: i64) -> anyhow::Result<ExportSummary> {
    prepare_empty_dir(out)?;
    let TrainingSets {
        all,
        train,
        holdout,
    } = training_sets(all);
    let params = Params::default_for(Algorithm::Baseline);
    let baseline = movierec_engine::fit(&train, &params).context("cannot fit the baseline")?;

    let path = out.join(BASELINE_FILE);
    let mut file = BufWriter::new(create(&path)?);
    baseline
        .save(&mut file)
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot write {}", path.display()))?;

    let path = out.join(RATINGS_FILE);
    write_csv(&path, "user,item,residual", |w| {
        for r in train.ratings().entries() {
            writeln!(
                w,
                "{},{},{}",
                r.user.index(),
                r.item.index(),
                r.value - baseline_of(&baseline, r.user, r.item)
            )?;
        }
        Ok(())
    })?;

    let path = out.join(HOLDOUT_FILE);
    write_csv(&path, "user,item,rating", |w| {
        for r in holdout.iter().flat_map(|h| h.entries()) {
            writeln!(w, "{},{},{}", r.user.index(), r.item.index(), r.value)?;
        }
        Ok(())
    })?;

    let summary = ExportSummary {
        ratings: train.ratings().len() as u64,
        holdout: holdout.as_ref().map_or(0, |h| h.len() as u64),
        users: all.users().len() as u64,
        items: all.items().len() as u64,
        baseline_holdout_rmse: holdout
            .as_ref()
            .map(|h| movierec_engine::eval::accuracy(&baseline, h).0),
        created_at,
    };
    let path = out.join(EXPORT_FILE);
    std::fs::write(&path, serde_json::to_vec_pretty(&summary)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(summary)
}

/// The baseline's unclipped estimate, which Spark's factors correct.
fn baseline_of(model: &Model, user: UserIdx, item: ItemIdx) -> f32 {
    model.global_mean()
        + model.user_bias(user).unwrap_or(0.0)
        + model.item_bias(item).unwrap_or(0.0)
}

fn prepare_empty_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    if entries.next().is_some() {
        bail!(
            "{} is not empty: export into a new folder, so that an earlier export's files are \
             never mixed with this one's",
            dir.display()
        );
    }
    Ok(())
}

fn create(path: &Path) -> anyhow::Result<File> {
    File::create(path).with_context(|| format!("cannot create {}", path.display()))
}

fn write_csv(
    path: &Path,
    header: &str,
    body: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, create(path)?);
    writeln!(w, "{header}")
        .and_then(|()| body(&mut w))
        .and_then(|()| w.flush())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Adds the factors the Spark job wrote under `dir` to the export's baseline, measures the
/// model on the export's held-out sample and stores it as the newest model.
#[tracing::instrument(skip_all, fields(dir = %dir.display()))]
pub async fn import_factors(pool: &Db, dir: &Path) -> anyhow::Result<FactorsSummary> {
    let started = Instant::now();
    let dir_owned = dir.to_owned();
    let assembled = tokio::task::spawn_blocking(move || assemble(&dir_owned))
        .await
        .context("the import thread failed")??;
    let mut data = Vec::new();
    assembled
        .model
        .save(&mut data)
        .context("cannot write the model file")?;
    let run = &assembled.run;
    let params_json = serde_json::json!({
        "source": "spark",
        "algorithm": "als",
        "factors": assembled.model.n_factors(),
        "rank": run.rank,
        "max_iter": run.max_iter,
        "reg_param": run.reg_param,
        "holdout_fraction": HOLDOUT_FRACTION,
    });
    let version = store::models::insert(
        pool,
        &NewModel {
            created_at: assembled.export.created_at,
            fit_seconds: run
                .seconds
                .unwrap_or_else(|| started.elapsed().as_secs_f64()),
            algorithm: "als (spark)".to_owned(),
            params_json: params_json.to_string(),
            n_ratings: i64::try_from(assembled.export.ratings + assembled.export.holdout)
                .unwrap_or(i64::MAX),
            n_users: i64::try_from(assembled.model.n_users()).unwrap_or(i64::MAX),
            n_items: i64::try_from(assembled.model.n_items()).unwrap_or(i64::MAX),
            holdout_rmse: assembled.holdout_rmse,
            epochs_json: "[]".to_owned(),
            data,
        },
    )
    .await
    .context("cannot store the model")?;
    Ok(FactorsSummary {
        version,
        factors: assembled.model.n_factors(),
        users: assembled.model.n_users(),
        items: assembled.model.n_items(),
        holdout_rmse: assembled.holdout_rmse,
        baseline_holdout_rmse: assembled.export.baseline_holdout_rmse,
    })
}

struct Assembled {
    model: Model,
    export: ExportSummary,
    run: SparkRun,
    holdout_rmse: Option<f64>,
}

fn assemble(dir: &Path) -> anyhow::Result<Assembled> {
    let path = dir.join(EXPORT_FILE);
    let export: ExportSummary = read_json(&path)?
        .with_context(|| format!("{} is missing: is this an export folder?", path.display()))?;
    let run: SparkRun = read_json(&dir.join(SPARK_FILE))?.unwrap_or_default();
    let path = dir.join(BASELINE_FILE);
    let baseline = Model::load(std::io::BufReader::new(
        File::open(&path).with_context(|| format!("cannot open {}", path.display()))?,
    ))
    .with_context(|| format!("cannot read {}", path.display()))?;
    let users = spark_factors::read_dir(&dir.join("user_factors"))?;
    let items = spark_factors::read_dir(&dir.join("item_factors"))?;
    let k = match (users.first(), items.first()) {
        (Some(u), Some(i)) if u.factors.len() == i.factors.len() => u.factors.len(),
        (Some(u), Some(i)) => bail!(
            "user factors have {} dimensions and item factors {}: not one Spark run",
            u.factors.len(),
            i.factors.len()
        ),
        _ => bail!("the Spark job wrote no factors"),
    };
    let rows = |rows: Vec<FactorRow>| rows.into_iter().map(|r| (r.index, r.factors));
    let model = baseline
        .with_external_factors(
            k,
            rows(users).map(|(i, f)| (UserIdx::new(i), f)),
            rows(items).map(|(i, f)| (ItemIdx::new(i), f)),
        )
        .context("the factors do not fit the exported baseline")?;
    let holdout = spark_factors::read_holdout(&dir.join(HOLDOUT_FILE))?;
    let holdout_rmse = (!holdout.is_empty()).then(|| {
        let sum: f64 = holdout
            .iter()
            .map(|&(u, i, r)| {
                let user = model.user(UserIdx::new(u));
                let e = f64::from(model.predict(&user, ItemIdx::new(i)) - r);
                e * e
            })
            .sum();
        (sum / holdout.len() as f64).sqrt()
    });
    Ok(Assembled {
        model,
        export,
        run,
        holdout_rmse,
    })
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .with_context(|| format!("{} is not valid", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
