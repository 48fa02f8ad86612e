//! A viewer's history over the API: `/api/v1/me/imports` (upload, preview, report, match)
//! and `/api/v1/me/export`, the history brought in from another service and taken out.

use axum::Json;
use axum::extract::{Multipart, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{ApiJson, path_movie_id};
use crate::domain::UploadId;
use crate::importers::history::movierec_export;
use crate::services::history::{self, ConflictChoice, Report};
use crate::web::error::AppError;
use crate::web::extract::ApiId;
use crate::web::session::RequireUser;
use crate::web::state::AppState;
use crate::web::upload;

#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    dry_run: Option<String>,
    conflicts: Option<String>,
}

/// The conflict choice of a query string or form; absent means keep mine.
pub fn conflict_choice(raw: Option<&str>) -> Result<ConflictChoice, AppError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(ConflictChoice::default()),
        Some(raw) => {
            ConflictChoice::parse(raw).map_err(|e| AppError::bad_request(format!("conflicts: {e}")))
        }
    }
}

fn dry_run(raw: Option<&str>) -> Result<bool, AppError> {
    match raw.map(str::trim) {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(_) => Err(AppError::bad_request("dry_run: Write true or false.")),
    }
}

/// `POST /api/v1/me/imports`: a history file in the multipart field `file`; with
/// `dry_run=true` only the preview.
pub async fn upload(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Query(query): Query<UploadQuery>,
    multipart: Multipart,
) -> Result<Json<Report>, AppError> {
    let dry_run = dry_run(query.dry_run.as_deref())?;
    let choice = conflict_choice(query.conflicts.as_deref())?;
    let upload = upload::read(multipart).await?;
    if !upload.has_file {
        return Err(AppError::bad_request(
            "file: Send the file in the field 'file'.",
        ));
    }
    let report = if dry_run {
        history::preview(
            &state.history_parsing,
            &state.pool,
            me.id,
            &upload.file_name,
            upload.bytes,
            choice,
        )
        .await?
    } else {
        history::import(
            &state.history_parsing,
            &state.pool,
            me.id,
            &upload.file_name,
            upload.bytes,
            choice,
        )
        .await?
    };
    Ok(Json(report))
}

/// `GET /api/v1/me/imports/{id}`: an import's report.
pub async fn report(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(upload): ApiId<UploadId>,
) -> Result<Json<Report>, AppError> {
    Ok(Json(
        history::report(&state.pool, me.id, upload.get()).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    row: Option<usize>,
    movie_id: Option<serde_json::Value>,
}

/// `POST /api/v1/me/imports/{id}/matches`: `{"row": 0, "movie_id": 42}` matches unmatched
/// row 0 to movie 42 and remembers it.
pub async fn match_row(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(upload): ApiId<UploadId>,
    ApiJson(body): ApiJson<MatchBody>,
) -> Result<Json<Report>, AppError> {
    let id = upload.get();
    let row = body
        .row
        .ok_or_else(|| AppError::bad_request("row: Give the unmatched row's index."))?;
    let movie = body.movie_id.map(|v| v.to_string()).unwrap_or_default();
    let movie = path_movie_id("movie_id", &movie)?;
    Ok(Json(
        history::match_row(&state.pool, me.id, id, row, movie.get()).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

/// `GET /api/v1/me/export?format=csv|json`: ratings, seen films and the watchlist, as a
/// download.
pub async fn export(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let format = query.format.as_deref().map(str::trim).unwrap_or("csv");
    let (body, content_type, extension) = match format {
        "csv" | "" => {
            let entries = history::export(&state.pool, me.id).await?;
            (
                movierec_export::write_csv(&entries),
                "text/csv; charset=utf-8",
                "csv",
            )
        }
        "json" => {
            let entries = history::export(&state.pool, me.id).await?;
            (
                movierec_export::write_json(&entries),
                "application/json",
                "json",
            )
        }
        _ => return Err(AppError::bad_request("format: Choose csv or json.")),
    };
    let disposition = format!(
        "attachment; filename=\"movierec-{}.{extension}\"",
        me.username
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
