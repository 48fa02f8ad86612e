//! What the Model page and `GET /api/v1/model` show of the training job.

use serde::Serialize;

/// The training in progress, or how the last one in this process ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrainingStatus {
    pub running: bool,
    /// Epochs done so far (1-based) of `epochs`.
    pub epoch: usize,
    pub epochs: usize,
    pub train_rmse: Option<f64>,
    /// Held-out RMSE after the last epoch done.
    pub holdout_rmse: Option<f64>,
    /// Why the last training failed.
    pub error: Option<String>,
    /// Why the last training did not run in this process: another instance held the
    /// training lease (its model is picked up once stored).
    pub skipped: Option<String>,
    /// The version the last successful training stored.
    pub version: Option<i64>,
}
