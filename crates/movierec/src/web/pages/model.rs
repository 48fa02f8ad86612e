//! The Model page, for administrators: the model serving now, its learning curve, and the
//! training button.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Redirect;
use plotters::prelude::*;
use serde::Serialize;

use crate::jobs::TrainingStatus;
use crate::jobs::training::{EpochRecord, HOLDOUT_FRACTION};
use crate::store;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::{RequireAdmin, SessionUser};

/// The model serving now, as the page and `GET /api/v1/model` show it.
#[derive(Debug, Clone, Serialize)]
pub struct ModelView {
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
pub async fn current_model(state: &AppState) -> Result<Option<ModelView>, AppError> {
    let Some(serving) = state.models.current() else {
        return Ok(None);
    };
    // Pruning keeps the newest few, so the serving one is there unless a newer one arrived
    // and several more after it, between two polls: then the facts are simply unknown.
    let Some(info) = store::models::info(&state.pool, serving.version).await? else {
        return Ok(None);
    };
    let epochs = serde_json::from_str(&info.epochs)
        .map_err(|e| AppError::internal(format!("model {} has unreadable epochs: {e}", info.id)))?;
    Ok(Some(ModelView {
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

#[derive(Template, WebTemplate)]
#[template(path = "model.html")]
pub struct ModelPage {
    user: Option<SessionUser>,
    model: Option<ModelView>,
    chart: Option<String>,
    training: TrainingStatus,
    holdout_percent: f64,
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
}

/// One line about the training, the same words the page's script writes.
fn status_text(s: &TrainingStatus) -> String {
    if s.running {
        let rmse = s
            .rmse
            .map(|r| format!(", held-out RMSE {r:.4}"))
            .unwrap_or_default();
        format!("Training: epoch {} of {}{rmse}.", s.epoch, s.epochs)
    } else if let Some(error) = &s.error {
        format!("The last training failed: {error}")
    } else {
        "No training running.".to_owned()
    }
}

pub async fn show(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
) -> Result<ModelPage, AppError> {
    let model = current_model(&state).await?;
    let chart = match &model {
        Some(m) if !m.epochs.is_empty() => Some(rmse_chart(&m.epochs).map_err(AppError::internal)?),
        _ => None,
    };
    Ok(ModelPage {
        user: Some(me),
        model,
        chart,
        training: state.trainer.status(),
        holdout_percent: HOLDOUT_FRACTION * 100.0,
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

/// Training and held-out RMSE per epoch as an SVG document.
pub fn rmse_chart(epochs: &[EpochRecord]) -> Result<String, String> {
    let values = epochs
        .iter()
        .flat_map(|e| std::iter::once(e.train_rmse).chain(e.holdout_rmse));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = ((hi - lo) * 0.1).max(0.01);
    let last = epochs.last().map_or(1, |e| e.epoch).max(2) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(1f64..last, (lo - pad)..(hi + pad))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("RMSE")
            .draw()
            .map_err(|e| e.to_string())?;
        let train = RGBColor(0x1f, 0x5f, 0xbf);
        let holdout = RGBColor(0xd0, 0x50, 0x20);
        chart
            .draw_series(LineSeries::new(
                epochs.iter().map(|e| (e.epoch as f64, e.train_rmse)),
                train.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("training ratings")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], train));
        chart
            .draw_series(LineSeries::new(
                epochs
                    .iter()
                    .filter_map(|e| e.holdout_rmse.map(|h| (e.epoch as f64, h))),
                holdout.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("held-out sample")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], holdout));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// `YYYY-MM-DD HH:MM UTC` from epoch seconds (days to a civil date as in Howard Hinnant's
/// `civil_from_days`).
fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(1_795_621_468), "2026-11-25 15:44 UTC");
        assert_eq!(format_utc(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn chart_draws_both_curves() {
        let epochs: Vec<EpochRecord> = (1..=5)
            .map(|epoch| EpochRecord {
                epoch,
                train_rmse: 1.0 / epoch as f64,
                holdout_rmse: Some(1.2 / epoch as f64),
                seconds: epoch as f64,
            })
            .collect();
        let svg = rmse_chart(&epochs).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("held-out sample"));
        // Two curves plus the legend's two samples.
        assert!(svg.matches("<polyline").count() >= 2, "{svg}");
    }

    #[test]
    fn status_line_says_what_runs() {
        let running = TrainingStatus {
            running: true,
            epoch: 3,
            epochs: 30,
            rmse: Some(0.91234),
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
    }
}
