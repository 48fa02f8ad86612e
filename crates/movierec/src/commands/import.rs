//! `movierec import`: a public data set into the app's database, with a summary.

use anyhow::Context;

use super::progress::ImportBar;
use super::{ImportOptions, ImportSource};
use crate::services::imports::{self, ImportSummary};

pub fn run(options: ImportOptions) -> anyhow::Result<()> {
    match options.source {
        ImportSource::User(user) => super::import_user::run(&options.database_url, &user),
        ImportSource::MovieLens(path) => import_movielens(&path, &options.database_url),
        ImportSource::Factors(dir) => super::spark::import_factors(&dir, &options.database_url),
    }
}

fn import_movielens(path: &std::path::Path, database_url: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let started = std::time::Instant::now();
    let summary = runtime.block_on(async {
        let pool = crate::store::connect(database_url).await?;
        // On a new database the embedded catalog goes in first, as the server would put it,
        // so that imported movies merge into it rather than take its ids.
        if crate::store::movies::count(&pool).await? == 0 {
            crate::seed::load_catalog(&pool).await?;
        }
        let bar = ImportBar::new(format!("importing {}", path.display()));
        let summary = imports::import_movielens(&pool, path, &bar)
            .await
            .with_context(|| format!("cannot import {}", path.display()))?;
        pool.close().await;
        anyhow::Ok(summary)
    })?;
    print_summary(&summary, started.elapsed());
    Ok(())
}

fn print_summary(s: &ImportSummary, took: std::time::Duration) {
    println!(
        "Imported MovieLens set {} in {:.1} s:",
        s.set,
        took.as_secs_f64()
    );
    println!("  movies: {} in the set", s.movies);
    println!("  added: {}", s.added);
    println!(
        "  merged: {} ({} by IMDb id, {} by title and year)",
        s.merged_by_imdb + s.merged_by_title,
        s.merged_by_imdb,
        s.merged_by_title
    );
    println!("  already imported: {}", s.already_imported);
    if s.duplicates > 0 {
        println!(
            "  duplicates (same IMDb id as another movie of the set): {}",
            s.duplicates
        );
    }
    println!("  ambiguous: {}", s.ambiguous.len());
    for a in &s.ambiguous {
        let year = a
            .year
            .map_or_else(|| "no year".to_owned(), |y| y.to_string());
        let candidates: Vec<String> = a.candidates.iter().map(i64::to_string).collect();
        println!(
            "    {} ({year}) fits movies {}: added as movie {} instead of merged",
            a.title,
            candidates.join(", "),
            a.added_as
        );
    }
    println!("  ratings: {}", s.ratings);
    println!("  raters: {} ({} new)", s.raters, s.new_raters);
}
