//! My ratings → Import: upload a history, preview it, apply it, and match by hand the rows
//! no film was found for. Plain forms: it all works without JavaScript.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::UploadId;
use crate::importers::history::MAX_UPLOAD_BYTES;
use crate::services::history::{self, ConflictChoice, HistoryError, Report};
use crate::store::history::TitledMovie;
use crate::store::movie_search::Hit;
use crate::web::api::history::conflict_choice;
use crate::web::error::AppError;
use crate::web::extract::PageId;
use crate::web::session::{RequireUser, SessionUser};
use crate::web::state::AppState;
use crate::web::upload;

fn choices() -> Vec<(&'static str, &'static str)> {
    ConflictChoice::ALL
        .iter()
        .map(|c| (c.key(), c.label()))
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "history_upload.html")]
pub struct UploadForm {
    user: Option<SessionUser>,
    error: Option<String>,
    choices: Vec<(&'static str, &'static str)>,
    max_mb: usize,
}

impl UploadForm {
    fn new(me: SessionUser, error: Option<String>) -> Self {
        Self {
            user: Some(me),
            error,
            choices: choices(),
            max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
        }
    }
}

pub async fn form(RequireUser(me): RequireUser) -> UploadForm {
    UploadForm::new(me, None)
}

/// The form again with `error` (a file past the limit), for the error layer: the body limit
/// refuses such an upload before the handler runs, and the visitor keeps the form to choose
/// a smaller file.
pub fn form_again(me: SessionUser, error: &AppError) -> Response {
    (
        error.kind.status(),
        UploadForm::new(me, Some(error.message.clone())),
    )
        .into_response()
}

/// Reads the upload and keeps it for the preview; a file that cannot be read is shown on
/// the form again with the reason (file and line).
pub async fn upload(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = upload::read(multipart).await?;
    if upload.bytes.is_empty() {
        let page = UploadForm::new(me, Some("file: Choose a file to import.".into()));
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    let choice = conflict_choice(upload.fields.get("conflicts").map(String::as_str))?;
    let name = if upload.file_name.is_empty() {
        "upload"
    } else {
        upload.file_name.as_str()
    };
    match history::keep_for_preview(
        &state.history_parsing,
        &state.pool,
        me.id,
        name,
        upload.bytes,
        choice,
    )
    .await
    {
        Ok(report) => {
            let id = report.id.unwrap_or_default();
            Ok(Redirect::to(&format!("/my/import/{id}")).into_response())
        }
        Err(HistoryError::Parse(e)) => {
            let page = UploadForm::new(me, Some(format!("file: {e}")));
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "history_report.html")]
pub struct ReportPage {
    user: Option<SessionUser>,
    id: i64,
    report: Report,
    movies: HashMap<i64, TitledMovie>,
    choices: Vec<(&'static str, &'static str)>,
    /// The unmatched row being matched, with the films offered for it.
    row: Option<usize>,
    hits: Vec<Hit>,
    search_error: Option<String>,
}

impl ReportPage {
    fn is_row(&self, i: &usize) -> bool {
        self.row == Some(*i)
    }

    /// Matched rows the report counts but does not list.
    fn unlisted_matched(&self) -> u64 {
        self.report
            .counts
            .matched
            .saturating_sub(self.report.matched.len() as u64)
    }

    /// Unmatched rows the report counts but does not list.
    fn unlisted_unmatched(&self) -> u64 {
        self.report
            .counts
            .unmatched
            .saturating_sub(self.report.unmatched.len() as u64)
    }

    /// Conflicts the report counts but does not list.
    fn unlisted_conflicts(&self) -> u64 {
        self.report
            .counts
            .conflicts
            .saturating_sub(self.report.conflicts.len() as u64)
    }

    /// "Title (year)" of a movie the report names.
    fn title_of(&self, movie: &i64) -> String {
        match self.movies.get(movie) {
            Some(TitledMovie {
                title,
                year: Some(y),
                ..
            }) => format!("{title} ({y})"),
            Some(m) => m.title.clone(),
            None => format!("Movie {movie}"),
        }
    }

    /// How many ratings applying the preview with `choice` changes: what the page's script
    /// shows when the choice changes.
    fn changed_with(&self, choice: &str) -> u64 {
        let choice = ConflictChoice::parse(choice).unwrap_or_default();
        self.report.changed_if(choice)
    }
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    row: Option<String>,
    q: Option<String>,
    /// A preview shown as this conflict choice would apply it.
    conflicts: Option<String>,
}

/// The preview (with Apply) or the report (with a search per unmatched row).
pub async fn report(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(upload): PageId<UploadId>,
    Query(query): Query<ReportQuery>,
) -> Result<ReportPage, AppError> {
    let id = upload.get();
    let choice = match query.conflicts.as_deref().map(str::trim) {
        None | Some("") => None,
        raw => Some(conflict_choice(raw)?),
    };
    let row = query.row.as_deref().and_then(|r| r.parse::<usize>().ok());
    let view = history::report_view(
        &state.pool,
        &state.search,
        me.id,
        id,
        choice,
        row,
        query.q.as_deref(),
    )
    .await?;
    Ok(ReportPage {
        user: Some(me),
        id,
        report: view.report,
        movies: view.movies,
        choices: choices(),
        row: view.row,
        hits: view.candidates,
        search_error: view.search_error,
    })
}

#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    conflicts: Option<String>,
}

pub async fn apply(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(upload): PageId<UploadId>,
    Form(form): Form<ApplyForm>,
) -> Result<Redirect, AppError> {
    let id = upload.get();
    let choice = conflict_choice(form.conflicts.as_deref())?;
    history::apply_kept(&state.pool, me.id, id, choice).await?;
    Ok(Redirect::to(&format!("/my/import/{id}")))
}

#[derive(Debug, Deserialize)]
pub struct MatchForm {
    row: Option<String>,
    movie_id: Option<String>,
}

pub async fn match_row(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(upload): PageId<UploadId>,
    Form(form): Form<MatchForm>,
) -> Result<Redirect, AppError> {
    let id = upload.get();
    let row = form
        .row
        .as_deref()
        .and_then(|r| r.parse::<usize>().ok())
        .ok_or_else(|| AppError::bad_request("row: Choose a row to match."))?;
    let movie = super::movie_id(form.movie_id.as_deref().unwrap_or_default())?;
    history::match_row(&state.pool, me.id, id, row, movie.get()).await?;
    Ok(Redirect::to(&format!("/my/import/{id}")))
}
