//! `movierec export ratings` and `movierec import factors`: the two ends of a Spark training.

use std::path::Path;

use anyhow::Context;

use crate::jobs::lease::{self, LeaseConfig};
use crate::services::spark;

/// Writes the site's ratings for a Spark job into `out`.
pub fn export_ratings(out: &Path, database_url: &str) -> anyhow::Result<()> {
    let summary = with_pool(database_url, |pool| async move {
        spark::export_ratings(&pool, out).await
    })?;
    println!("Exported to {}:", out.display());
    println!(
        "  ratings.csv: {} training ratings of {} users and {} movies, less the baseline",
        summary.ratings, summary.users, summary.items
    );
    println!("  holdout.csv: {} held-out ratings", summary.holdout);
    if let Some(rmse) = summary.baseline_holdout_rmse {
        println!("  baseline held-out RMSE: {rmse:.4}");
    }
    println!(
        "Next: spark-submit spark/als.py {0}, then movierec import factors {0}",
        out.display()
    );
    Ok(())
}

/// Stores the model made of an export's baseline and the factors Spark wrote beside it.
pub fn import_factors(dir: &Path, database_url: &str) -> anyhow::Result<()> {
    let summary = with_pool(database_url, |pool| async move {
        // Stored as a model, the factors take a training's place: one at a time.
        let leases = lease::take_all(
            &pool,
            &[lease::TRAINING],
            "factors import",
            LeaseConfig::default(),
        )
        .await?;
        let summary = spark::import_factors(&pool, dir)
            .await
            .with_context(|| format!("cannot import the factors in {}", dir.display()));
        lease::release_all(leases).await;
        summary
    })?;
    println!(
        "Stored model version {}: {} factors, {} users, {} movies",
        summary.version, summary.factors, summary.users, summary.items
    );
    if let Some(rmse) = summary.holdout_rmse {
        println!("  held-out RMSE: {rmse:.4}");
    }
    if let Some(rmse) = summary.baseline_holdout_rmse {
        println!("  baseline held-out RMSE: {rmse:.4}");
    }
    Ok(())
}

fn with_pool<'a, T, F, Fut>(database_url: &str, job: F) -> anyhow::Result<T>
where
    F: FnOnce(crate::store::Db) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>> + 'a,
{
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let pool = crate::store::connect_existing(database_url).await?;
        let result = job(pool.clone()).await;
        pool.close().await;
        result
    })
}
