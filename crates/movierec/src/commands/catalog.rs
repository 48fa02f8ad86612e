//! `movierec catalog duplicates|merge`: the films entered twice, listed and merged from the
//! command line as on the admin's Duplicates page.

use crate::domain::MovieId;
use crate::services::catalog;
use crate::services::catalog::DuplicatePair;
use crate::store::merge::DuplicateFilm;

/// What `movierec catalog` was asked.
#[derive(Debug, Clone)]
pub struct CatalogOptions {
    pub action: CatalogAction,
    pub database_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogAction {
    Duplicates,
    Merge { keep: MovieId, drop: MovieId },
}

pub fn run(options: CatalogOptions) -> anyhow::Result<()> {
    let runtime = crate::runtime()?;
    runtime.block_on(async {
        let pool = crate::store::connect_existing(&options.database_url).await?;
        let done = match options.action {
            CatalogAction::Duplicates => list(&pool).await,
            CatalogAction::Merge { keep, drop } => catalog::merge(&pool, keep, drop)
                .await
                .map(|report| println!("{}", report.summary()))
                .map_err(anyhow::Error::from),
        };
        pool.close().await;
        done
    })
}

async fn list(pool: &crate::store::Db) -> anyhow::Result<()> {
    let pairs = catalog::duplicates(pool).await?;
    if pairs.is_empty() {
        eprintln!("No likely duplicates.");
        return Ok(());
    }
    println!("keep\tdrop\tkept film\tyear\tratings\tdropped film\tyear\tratings\twhy");
    for pair in &pairs {
        println!("{}", line(pair));
    }
    eprintln!(
        "{} likely duplicate{}; merge one with: movierec catalog merge KEEP DROP",
        pairs.len(),
        if pairs.len() == 1 { "" } else { "s" }
    );
    Ok(())
}

/// One pair, tab-separated: the ids, each film's title, year and ratings, and why.
fn line(pair: &DuplicatePair) -> String {
    let film = |f: &DuplicateFilm| {
        let year = f.year.map(|y| y.to_string()).unwrap_or_default();
        // A tab in a title would shift the columns.
        format!("{}\t{year}\t{}", f.title.replace('\t', " "), f.ratings)
    };
    format!(
        "{}\t{}\t{}\t{}\t{} (\"{}\")",
        pair.keep.id,
        pair.drop.id,
        film(&pair.keep),
        film(&pair.drop),
        pair.likeness,
        pair.title_key
    )
}
