//! The Model page, for administrators: the model serving now, its learning curve, and the
//! training button.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Redirect;

use crate::jobs::TrainingStatus;
use crate::services::model_report::{self, ModelReport};
use crate::services::training::{EpochRecord, HOLDOUT_FRACTION};
use crate::store::catalog_import::CatalogSource;
use crate::web::chart::rmse_chart;
use crate::web::dates::format_utc;
use crate::web::error::AppError;
use crate::web::session::{RequireAdmin, SessionUser};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "model.html")]
pub struct ModelPage {
    user: Option<SessionUser>,
    model: Option<ModelReport>,
    chart: Option<String>,
    training: TrainingStatus,
    holdout_percent: f64,
    /// Each provider with a key, and what is known of the key.
    providers: Vec<(&'static str, String)>,
    /// Where the catalog came from: the embedded films, IMDb's dump, MovieLens sets.
    sources: Vec<CatalogSource>,
}

impl ModelPage {
    fn trained_at(&self) -> String {
        self.model
            .as_ref()
            .map(|m| format_utc(m.trained_at))
            .unwrap_or_default()
    }

    fn status_text(&self) -> String {
        status_text(&self.training)
    }

    fn source_kind(&self, source: &CatalogSource) -> &'static str {
        match source.kind.as_str() {
            "embedded" => "Embedded catalog",
            "imdb" => "IMDb",
            "movielens" => "MovieLens",
            _ => "Other",
        }
    }

    fn imported_on(&self, source: &CatalogSource) -> String {
        format_utc(source.imported_at)
    }
    /// The chart in words, its text alternative.
    fn chart_summary(&self) -> String {
        self.model
            .as_ref()
            .map(|m| chart_summary(&m.epochs))
            .unwrap_or_default()
    }
}

/// "RMSE per epoch over N epochs: training from a to b, held-out from c to d."
fn chart_summary(epochs: &[EpochRecord]) -> String {
    let (Some(first), Some(last)) = (epochs.first(), epochs.last()) else {
        return String::new();
    };
    let mut text = format!(
        "RMSE over {} epoch{}: on the training ratings from {:.4} to {:.4}",
        epochs.len(),
        if epochs.len() == 1 { "" } else { "s" },
        first.train_rmse,
        last.train_rmse
    );
    if let (Some(a), Some(b)) = (first.holdout_rmse, last.holdout_rmse) {
        text.push_str(&format!(", on the held-out sample from {a:.4} to {b:.4}"));
    }
    text.push('.');
    text
}

/// One line about the training, the same words the page's script writes.
fn status_text(s: &TrainingStatus) -> String {
    if s.running {
        let rmse = s
            .holdout_rmse
            .map(|r| format!(", held-out RMSE {r:.4}"))
            .unwrap_or_default();
        format!("Training: epoch {} of {}{rmse}.", s.epoch, s.epochs)
    } else if let Some(error) = &s.error {
        format!("The last training failed: {error}")
    } else if let Some(why) = &s.skipped {
        format!("Not trained here: {why}")
    } else {
        "No training running.".to_owned()
    }
}

pub async fn show(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
) -> Result<ModelPage, AppError> {
    let model = model_report::current(&state.pool, &state.models).await?;
    let chart = match &model {
        Some(m) if !m.epochs.is_empty() => {
            Some(rmse_chart(&m.epochs).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?)
        }
        _ => None,
    };
    Ok(ModelPage {
        user: Some(me),
        model,
        chart,
        training: state.trainer.status(),
        holdout_percent: HOLDOUT_FRACTION * 100.0,
        providers: state
            .providers
            .key_report()
            .into_iter()
            .map(|(name, status)| (name, status.to_string()))
            .collect(),
        sources: crate::store::catalog_import::catalog_sources(&state.pool).await?,
    })
}

/// The Train button.
pub async fn train(
    State(state): State<AppState>,
    RequireAdmin(_): RequireAdmin,
) -> Result<Redirect, AppError> {
    state
        .trainer
        .start()
        .map_err(|e| AppError::conflict(e.to_string()))?;
    Ok(Redirect::to("/model"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_says_what_runs() {
        let running = TrainingStatus {
            running: true,
            epoch: 3,
            epochs: 30,
            holdout_rmse: Some(0.91234),
            ..TrainingStatus::default()
        };
        assert_eq!(
            status_text(&running),
            "Training: epoch 3 of 30, held-out RMSE 0.9123."
        );
        let failed = TrainingStatus {
            error: Some("disk full".into()),
            ..TrainingStatus::default()
        };
        assert!(status_text(&failed).contains("disk full"));
        let skipped = TrainingStatus {
            skipped: Some("another instance is training".into()),
            ..TrainingStatus::default()
        };
        assert_eq!(
            status_text(&skipped),
            "Not trained here: another instance is training"
        );
    }

    #[test]
    fn chart_summary_names_the_first_and_last_epoch() {
        let epochs: Vec<EpochRecord> = (1..=3)
            .map(|epoch| EpochRecord {
                epoch,
                train_rmse: 1.0 / epoch as f64,
                holdout_rmse: Some(1.5 / epoch as f64),
                seconds: 0.1,
            })
            .collect();
        assert_eq!(
            chart_summary(&epochs),
            "RMSE over 3 epochs: on the training ratings from 1.0000 to 0.3333, \
             on the held-out sample from 1.5000 to 0.5000."
        );
        assert_eq!(chart_summary(&[]), "");
    }
}
