//! `GET /api/v1/model` and `POST /api/v1/model/train`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::jobs::TrainingStatus;
use crate::services::model_report;
use crate::services::training::EpochRecord;
use crate::web::error::AppError;
use crate::web::session::RequireAdmin;
use crate::web::state::AppState;

/// The serving model's facts (`null` before the first model) and the training status.
#[derive(Debug, Serialize)]
pub struct ModelResponse {
    version: Option<i64>,
    trained_at: Option<i64>,
    fit_seconds: Option<f64>,
    n_ratings: Option<i64>,
    n_users: Option<i64>,
    n_items: Option<i64>,
    holdout_rmse: Option<f64>,
    epochs: Vec<EpochRecord>,
    training: TrainingStatus,
}

pub async fn show(State(state): State<AppState>) -> Result<Json<ModelResponse>, AppError> {
    let model = model_report::current(&state.pool, &state.models).await?;
    let m = model.as_ref();
    Ok(Json(ModelResponse {
        version: m.map(|m| m.version),
        trained_at: m.map(|m| m.trained_at),
        fit_seconds: m.map(|m| m.fit_seconds),
        n_ratings: m.map(|m| m.n_ratings),
        n_users: m.map(|m| m.n_users),
        n_items: m.map(|m| m.n_items),
        holdout_rmse: m.and_then(|m| m.holdout_rmse),
        epochs: model.map(|m| m.epochs).unwrap_or_default(),
        training: state.trainer.status(),
    }))
}

#[derive(Debug, Serialize)]
pub struct TrainResponse {
    training: TrainingStatus,
}

/// 202 when a training started, 409 when one is already running; administrators only.
pub async fn train(
    State(state): State<AppState>,
    RequireAdmin(_): RequireAdmin,
) -> Result<(StatusCode, Json<TrainResponse>), AppError> {
    state
        .trainer
        .start()
        .map_err(|e| AppError::conflict(e.to_string()))?;
    Ok((
        StatusCode::ACCEPTED,
        Json(TrainResponse {
            training: state.trainer.status(),
        }),
    ))
}
