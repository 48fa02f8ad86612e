//! The facts of the model serving now, as the Model page and `GET /api/v1/model` show them.

use crate::store::Db;
use anyhow::Context;

use crate::services::training::EpochRecord;
use crate::serving::ModelSlot;
use crate::store;

/// The model serving now.
#[derive(Debug, Clone)]
pub struct ModelReport {
    pub version: i64,
    /// When it was stored, in epoch seconds.
    pub trained_at: i64,
    pub fit_seconds: f64,
    pub n_ratings: i64,
    pub n_users: i64,
    pub n_items: i64,
    pub holdout_rmse: Option<f64>,
    pub epochs: Vec<EpochRecord>,
}

/// The serving model's facts, or `None` before the first model.
pub async fn current(pool: &Db, models: &ModelSlot) -> anyhow::Result<Option<ModelReport>> {
    let Some(serving) = models.current() else {
        return Ok(None);
    };
    // Pruning keeps the newest few, so the serving one is there unless a newer one arrived
    // and several more after it, between two polls: then the facts are simply unknown.
    let Some(info) = store::models::info(pool, serving.version).await? else {
        return Ok(None);
    };
    let epochs = serde_json::from_str(&info.epochs)
        .with_context(|| format!("model {} has unreadable epochs", info.id))?;
    Ok(Some(ModelReport {
        version: info.id,
        trained_at: info.finished_at,
        fit_seconds: info.fit_seconds,
        n_ratings: info.n_ratings,
        n_users: info.n_users,
        n_items: info.n_items,
        holdout_rmse: info.holdout_rmse,
        epochs,
    }))
}
