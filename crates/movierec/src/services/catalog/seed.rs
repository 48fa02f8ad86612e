//! Puts the embedded catalog into the database on first start.

use crate::store::Db;
use anyhow::Context;

use crate::catalog::{self, CatalogMovie, Critic};
use crate::domain::Stars;
use crate::store::{self, catalog::CatalogRow};

/// The embedded catalog's name on the Model page (see `catalog/PROVENANCE.md`).
const EMBEDDED_SOURCE: &str = "vega-datasets movies";

pub async fn load_catalog(pool: &Db) -> anyhow::Result<()> {
    let movies = catalog::embedded().context("the embedded catalog is broken")?;
    let rows = movies
        .iter()
        .map(to_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let critics = Critic::ALL.map(Critic::username);
    let started = std::time::Instant::now();
    let loaded = store::catalog::load(pool, &critics, &rows).await?;
    if loaded {
        tracing::info!(
            movies = rows.len(),
            ms = started.elapsed().as_millis(),
            "catalog loaded"
        );
    }
    store::catalog_import::record_embedded(pool, EMBEDDED_SOURCE, rows.len() as i64, store::now())
        .await?;
    crate::search::sync_index(pool, loaded).await?;
    Ok(())
}

fn to_row(movie: &CatalogMovie) -> anyhow::Result<CatalogRow> {
    let critic_stars = Critic::ALL
        .iter()
        .map(|critic| {
            critic
                .stars(movie)
                .map(|stars| Stars::from_f64(f64::from(stars)))
                .transpose()
                .map_err(|e| anyhow::anyhow!("catalog movie {}: critic rating: {e}", movie.id))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(CatalogRow {
        id: i64::from(movie.id),
        title: movie.title.clone(),
        year: Some(i64::from(movie.year)),
        release_date: movie.release_date.clone(),
        director: movie.director.clone(),
        mpaa: movie.mpaa.clone(),
        runtime_min: movie.runtime_min.map(i64::from),
        imdb_rating: movie.imdb_rating,
        imdb_votes: movie.imdb_votes.map(i64::from),
        rotten_tomatoes: movie.rotten_tomatoes.map(i64::from),
        creative_type: movie.creative_type.clone(),
        source: movie.source.clone(),
        distributor: movie.distributor.clone(),
        genres: movie.genres.clone(),
        critic_stars,
        also: movie
            .also
            .iter()
            .map(|title| (crate::importers::titles::key(title), title.clone()))
            .collect(),
    })
}
