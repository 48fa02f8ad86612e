//! `GET /api/v1/model` and `POST /api/v1/model/train`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::jobs::TrainingStatus;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::pages::model::{ModelView, current_model};
use crate::web::session::RequireUser;

/// The serving model's facts (all `null` before the first model) and the training status.
#[derive(Debug, Serialize)]
pub struct ModelResponse {
    #[serde(flatten)]
    model: Option<ModelView>,
    training: TrainingStatus,
}

pub async fn show(State(state): State<AppState>) -> Result<Json<ModelResponse>, AppError> {
    Ok(Json(ModelResponse {
        model: current_model(&state).await?,
        training: state.trainer.status(),
    }))
}

#[derive(Debug, Serialize)]
pub struct TrainResponse {
    training: TrainingStatus,
}

/// 202 when a training started, 409 when one is already running.
pub async fn train(
    State(state): State<AppState>,
    RequireUser(_): RequireUser,
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
