//! Trained models: stored as the engine's model file with what the Model page shows.

use crate::store::Db;

/// How many models are kept; older ones are deleted when a new one is stored.
pub const KEEP: i64 = 5;

/// A model about to be stored.
#[derive(Debug, Clone)]
pub struct NewModel {
    pub created_at: i64,
    pub fit_seconds: f64,
    pub algorithm: String,
    pub params_json: String,
    pub n_ratings: i64,
    pub n_users: i64,
    pub n_items: i64,
    pub holdout_rmse: Option<f64>,
    pub epochs_json: String,
    pub data: Vec<u8>,
}

/// A stored model without its data.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ModelInfo {
    pub id: i64,
    pub created_at: i64,
    pub finished_at: i64,
    pub fit_seconds: f64,
    pub algorithm: String,
    pub params: String,
    pub n_ratings: i64,
    pub n_users: i64,
    pub n_items: i64,
    pub holdout_rmse: Option<f64>,
    pub epochs: String,
}

/// Stores a model and prunes all but the newest [`KEEP`], in one transaction. Returns its
/// version (the row id).
pub async fn insert(pool: &Db, model: &NewModel) -> sqlx::Result<i64> {
    let mut tx = super::begin_write(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO models (created_at, finished_at, fit_seconds, algorithm, params,
                             n_ratings, n_users, n_items, holdout_rmse, epochs, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING id",
    )
    .bind(model.created_at)
    .bind(super::now())
    .bind(model.fit_seconds)
    .bind(&model.algorithm)
    .bind(&model.params_json)
    .bind(model.n_ratings)
    .bind(model.n_users)
    .bind(model.n_items)
    .bind(super::NullableF64(model.holdout_rmse))
    .bind(&model.epochs_json)
    .bind(&model.data)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM models WHERE id NOT IN
           (SELECT id FROM models ORDER BY id DESC LIMIT $1)",
    )
    .bind(KEEP)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The newest version, if any model is stored.
pub async fn latest_version(pool: &Db) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MAX(id) FROM models")
        .fetch_one(pool)
        .await
}

/// The parameters stored with the newest model, as JSON, if any model is stored.
pub async fn latest_params(pool: &Db) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT params FROM models ORDER BY id DESC LIMIT 1")
        .fetch_optional(pool)
        .await
}

/// Stored versions, newest first.
pub async fn versions(pool: &Db) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM models ORDER BY id DESC")
        .fetch_all(pool)
        .await
}

/// The model file of a version.
pub async fn data(pool: &Db, version: i64) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT data FROM models WHERE id = $1")
        .bind(version)
        .fetch_optional(pool)
        .await
}

pub async fn info(pool: &Db, version: i64) -> sqlx::Result<Option<ModelInfo>> {
    sqlx::query_as(
        "SELECT id, created_at, finished_at, fit_seconds, algorithm, params,
                n_ratings, n_users, n_items, holdout_rmse, epochs
         FROM models WHERE id = $1",
    )
    .bind(version)
    .fetch_optional(pool)
    .await
}
