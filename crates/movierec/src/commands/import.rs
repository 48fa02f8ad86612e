//! `movierec import`: a public data set into the app's database, with a summary.

use anyhow::Context;

use super::download;
use super::progress::ImportBar;
use super::{ImdbSource, ImportOptions, ImportSource, Location};
use crate::jobs::lease::{self, LeaseConfig};
use crate::services::catalog_import::{self, ImdbFiles, ImdbSummary, ImportSummary};

/// What an import reports at the end.
enum Summary {
    MovieLens(ImportSummary),
    Imdb(ImdbSummary),
}

pub fn run(options: ImportOptions) -> anyhow::Result<()> {
    let data_set = match &options.source {
        ImportSource::User(user) => return super::import_user::run(&options.database_url, user),
        ImportSource::Factors(dir) => {
            return super::spark::import_factors(dir, &options.database_url);
        }
        ImportSource::MovieLens(path) => DataSet::MovieLens(path),
        ImportSource::Imdb(source) => DataSet::Imdb(source),
    };
    import_data_set(data_set, &options.database_url)
}

/// A public data set, which goes into the catalog and the ratings.
enum DataSet<'a> {
    MovieLens(&'a std::path::Path),
    Imdb(&'a ImdbSource),
}

fn import_data_set(data_set: DataSet<'_>, database_url: &str) -> anyhow::Result<()> {
    let runtime = crate::runtime()?;
    let started = std::time::Instant::now();
    let summary = runtime.block_on(async {
        let pool = crate::store::connect_existing(database_url).await?;
        // One import at a time: a second one is refused at once. An import changes the
        // ratings a training reads, so it also holds the training lease, waiting for a
        // running training to end rather than refusing.
        let mut leases =
            lease::take_all(&pool, &[lease::IMPORT], "import", LeaseConfig::default()).await?;
        match lease::wait_for(&pool, lease::TRAINING, "import", LeaseConfig::default()).await {
            Ok(training) => leases.push(training),
            Err(e) => {
                lease::release_all(leases).await;
                return Err(e);
            }
        }
        let summary = import_holding_leases(&pool, data_set).await;
        lease::release_all(leases).await;
        pool.close().await;
        summary
    })?;
    match summary {
        Summary::MovieLens(s) => print_summary(&s, started.elapsed()),
        Summary::Imdb(s) => print_imdb_summary(&s, started.elapsed()),
    }
    Ok(())
}

/// The import proper, run while this process holds the import and training leases.
async fn import_holding_leases(
    pool: &crate::store::Db,
    data_set: DataSet<'_>,
) -> anyhow::Result<Summary> {
    // On a new database the embedded catalog goes in first, as the server would put it,
    // so that imported movies merge into it rather than take its ids.
    if crate::store::movies::count(pool).await? == 0 {
        crate::services::catalog::seed::load_catalog(pool).await?;
    }
    let summary = match data_set {
        DataSet::MovieLens(path) => {
            let bar = ImportBar::new(format!("importing {}", path.display()));
            Summary::MovieLens(
                catalog_import::import_movielens(pool, path, &bar)
                    .await
                    .with_context(|| format!("cannot import {}", path.display()))?,
            )
        }
        DataSet::Imdb(source) => Summary::Imdb(import_imdb(pool, source).await?),
    };
    Ok(summary)
}

/// Downloads what must be, then imports; downloads go to a folder removed afterwards.
async fn import_imdb(pool: &crate::store::Db, source: &ImdbSource) -> anyhow::Result<ImdbSummary> {
    // Removed when the import ends, however it ends.
    let scratch = tempfile::Builder::new()
        .prefix("movierec-import-")
        .tempdir()
        .context("cannot create a folder for the downloads")?;
    let client = download::client()?;
    let (basics, date) = fetch(&client, &source.basics, &scratch).await?;
    let (ratings, _) = fetch(&client, &source.ratings, &scratch).await?;
    let crew_and_names = match &source.crew_and_names {
        Some((crew, names)) => Some((
            fetch(&client, crew, &scratch).await?.0,
            fetch(&client, names, &scratch).await?.0,
        )),
        None => None,
    };
    let files = ImdbFiles {
        basics,
        ratings,
        crew_and_names,
        data_date: date,
    };
    let bar = ImportBar::new("importing IMDb".to_owned());
    catalog_import::import_imdb(pool, &files, source.min_votes, &bar)
        .await
        .context("cannot import IMDb's files")
}

/// A file's path, downloaded first if it is a URL; with the date of its data: the
/// server's `Last-Modified`, or the file's modification time.
async fn fetch(
    client: &reqwest::Client,
    location: &Location,
    scratch: &tempfile::TempDir,
) -> anyhow::Result<(std::path::PathBuf, Option<String>)> {
    match location {
        Location::Path(path) => {
            let date = std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| crate::web::dates::format_utc(d.as_secs() as i64)[..10].to_owned());
            Ok((path.clone(), date))
        }
        Location::Url(url) => {
            let got = download::fetch(client, url, scratch.path()).await?;
            Ok((got.path, got.date))
        }
    }
}

fn print_imdb_summary(s: &ImdbSummary, took: std::time::Duration) {
    println!("Imported IMDb's data sets in {:.1} s:", took.as_secs_f64());
    println!("  titles read: {}", s.titles);
    println!("  films: {} (feature films with enough votes)", s.films);
    println!("  skipped: {}", s.skipped);
    println!("  added: {}", s.added);
    println!("  updated: {}", s.updated);
    println!("  unchanged: {}", s.unchanged);
    println!(
        "  merged: {} (by title, year and director; {} of them by an alternative title)",
        s.merged, s.merged_by_alternative_title
    );
    println!(
        "  second entries of a film merged into it: {}",
        s.merged_duplicates
    );
    println!("  ambiguous: {}", s.ambiguous.len());
    for a in &s.ambiguous {
        let year = a
            .year
            .map_or_else(|| "no year".to_owned(), |y| y.to_string());
        let candidates: Vec<String> = a.candidates.iter().map(i64::to_string).collect();
        println!(
            "    {} {} ({year}) fits movies {}: added as movie {} instead of merged",
            a.imdb_id,
            a.title,
            candidates.join(", "),
            a.added_as
        );
    }
    if s.with_directors > 0 {
        println!("  films with directors: {}", s.with_directors);
    }
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
        "  merged: {} ({} by IMDb id, {} by title and year, {} by an alternative title)",
        s.merged_by_imdb + s.merged_by_title + s.merged_by_alternative_title,
        s.merged_by_imdb,
        s.merged_by_title,
        s.merged_by_alternative_title
    );
    println!(
        "  second entries of a film merged into it: {}",
        s.merged_duplicates
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
