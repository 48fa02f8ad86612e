//! `movierec train`: a ratings file to a model file, or the app's database to a stored model.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use movierec_engine::{Fit, Params};

use super::inputs;
use super::options::TrainOptions;
use super::progress::EpochBar;
use crate::jobs::lease::{self, LeaseConfig};
use crate::services::training::RunOptions;

pub fn run(args: TrainOptions) -> anyhow::Result<()> {
    let (params, run) = match inputs::fit_of(&args.model) {
        inputs::Fit::Model(params, run) => (params, run),
        inputs::Fit::Implicit(..) => {
            bail!("--model ials alone predicts no ratings; train hybrid, which includes it")
        }
        inputs::Fit::Popularity => {
            bail!(
                "--model popularity is a ranker for eval only; train hybrid, baseline, sgd or als"
            )
        }
    };
    match (&args.ratings, &args.out, &args.database_url) {
        (Some(ratings), Some(out), None) => train_file(ratings, out, &params, &run),
        (None, None, Some(url)) => train_database(url, params, run),
        _ => bail!("give either --ratings and --out, or --database-url"),
    }
}

fn train_file(ratings: &Path, out: &Path, params: &Params, run: &RunOptions) -> anyhow::Result<()> {
    let data = inputs::load(ratings)?;
    let started = Instant::now();
    let model = {
        let bar = EpochBar::new(params.epochs, "train".into());
        run.apply(Fit::new(params)).progress(&bar).run(&data)?
    };
    let seconds = started.elapsed().as_secs_f64();
    let file = File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    model
        .save(BufWriter::new(file))
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "trained {} on {} ratings ({} users, {} items) in {seconds:.2} s; wrote {}",
        params.algorithm,
        data.ratings().len(),
        data.users().len(),
        data.items().len(),
        out.display()
    );
    Ok(())
}

/// Trains on the app's database and stores the model there, as the server's job does.
fn train_database(url: &str, params: Params, run: RunOptions) -> anyhow::Result<()> {
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let pool = crate::store::connect_existing(url).await?;
        let leases = match lease::take_all(
            &pool,
            &[lease::TRAINING],
            "training",
            LeaseConfig::default(),
        )
        .await
        {
            Ok(leases) => leases,
            Err(e) => {
                pool.close().await;
                return Err(e);
            }
        };
        let bar = EpochBar::new(params.epochs, "train".into());
        let trained =
            crate::services::training::train_and_store(&pool, params.clone(), run, bar).await;
        lease::release_all(leases).await;
        pool.close().await;
        let trained = trained?;
        let rmse = trained
            .holdout_rmse
            .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.4}"));
        // The default is a hybrid: the rating model plus the implicit-feedback model.
        let kind = if trained.model.implicit().is_some() {
            format!("{} + implicit", params.algorithm)
        } else {
            params.algorithm.to_string()
        };
        eprintln!(
            "trained {kind} on {} ratings ({} users, {} items) in {:.2} s; held-out RMSE {rmse}; \
             stored as model version {} (read {:.1} s, fit {:.1} s, stored {:.1} s)",
            trained.n_ratings,
            trained.model.n_users(),
            trained.model.n_items(),
            trained.fit_seconds,
            trained.version,
            trained.read_seconds,
            trained.fit_seconds,
            trained.store_seconds,
        );
        Ok(())
    })
}
