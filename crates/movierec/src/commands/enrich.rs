//! `movierec enrich`: details and posters for the most rated movies, within a budget.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::jobs::enrichment::{self, EnrichProgress};
use crate::providers::{ProviderError, Providers, ProvidersConfig};

/// What `movierec enrich` was asked.
#[derive(Debug, Clone)]
pub struct EnrichOptions {
    pub database_url: String,
    /// Movies to fill at most.
    pub limit: usize,
    pub providers: ProvidersConfig,
}

/// Movies done, on a terminal (hidden otherwise).
struct Bar(ProgressBar);

impl EnrichProgress for Bar {
    fn on_movie(&self, done: usize, budget: usize) {
        self.0.set_length(budget as u64);
        self.0.set_position(done as u64);
    }
}

pub fn run(options: EnrichOptions) -> anyhow::Result<()> {
    let providers = Providers::new(&options.providers)
        .map_err(|e: ProviderError| anyhow::anyhow!(e))
        .context("cannot set up the movie-data providers")?;
    if !providers.any() {
        anyhow::bail!(
            "no provider key: set --omdb-api-key (MOVIEREC_OMDB_API_KEY) or --tmdb-api-key \
             (MOVIEREC_TMDB_API_KEY)"
        );
    }
    let runtime = crate::runtime()?;
    let report = runtime.block_on(async {
        let pool = crate::store::connect_existing(&options.database_url).await?;
        if crate::store::movies::count(&pool).await? == 0 {
            crate::services::catalog::seed::load_catalog(&pool).await?;
        }
        providers.check_keys().await;
        for (name, status) in providers.key_report() {
            eprintln!("{name}: {status}");
        }
        let bar =
            ProgressBar::with_draw_target(Some(options.limit as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("enriching [{bar:30}] {pos}/{len} movies [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        let bar = Bar(bar);
        let report = enrichment::run(&pool, &providers, options.limit, &bar).await?;
        bar.0.finish_and_clear();
        pool.close().await;
        anyhow::Ok(report)
    })?;
    println!(
        "Filled {} movies ({} with a poster); {} unknown to the providers.",
        report.filled, report.posters, report.unknown
    );
    if let Some(why) = report.stopped {
        println!("Stopped early: {why}");
    }
    Ok(())
}
