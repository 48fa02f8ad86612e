//! The Duplicates page, for administrators: films likely entered twice, each pair with a
//! button to merge it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::Redirect;
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::MovieId;
use crate::services::catalog;
use crate::services::catalog::DuplicatePair;
use crate::store::merge::DuplicateFilm;
use crate::web::error::AppError;
use crate::web::session::{RequireAdmin, SessionUser};
use crate::web::state::AppState;

/// Pairs listed at most: each merge changes the list, so the first ones are enough to work
/// through, and a catalog of many thousands stays one quick page.
const SHOWN: usize = 200;

/// The session key of what the last merge did, shown once on the next view of the page.
const NOTICE_KEY: &str = "duplicates.notice";

pub const PATH: &str = "/admin/duplicates";

#[derive(Template, WebTemplate)]
#[template(path = "duplicates.html")]
pub struct DuplicatesPage {
    user: Option<SessionUser>,
    notice: Option<String>,
    pairs: Vec<PairView>,
    /// All the pairs found, of which `pairs` are the first.
    total: usize,
}

/// A pair as a row of the page shows it.
struct PairView {
    keep: FilmView,
    drop: FilmView,
    why: String,
}

struct FilmView {
    id: i64,
    title: String,
    /// The year, or a dash.
    year: String,
    /// Id, director, ratings and outside ids, one line.
    about: String,
}

impl From<&DuplicateFilm> for FilmView {
    fn from(film: &DuplicateFilm) -> Self {
        let mut about = vec![format!("id {}", film.id)];
        about.extend(film.director.clone());
        about.push(format!(
            "{} rating{}",
            film.ratings,
            if film.ratings == 1 { "" } else { "s" }
        ));
        about.extend(film.imdb_id.clone());
        about.extend(film.tmdb_id.map(|id| format!("TMDB {id}")));
        about.extend(film.movielens_id.map(|id| format!("MovieLens {id}")));
        Self {
            id: film.id,
            title: film.title.clone(),
            year: film.year.map_or_else(|| "–".into(), |y| y.to_string()),
            about: about.join(" · "),
        }
    }
}

impl From<&DuplicatePair> for PairView {
    fn from(pair: &DuplicatePair) -> Self {
        Self {
            keep: (&pair.keep).into(),
            drop: (&pair.drop).into(),
            why: pair.likeness.to_string(),
        }
    }
}

#[tracing::instrument(skip_all, fields(user_id = me.id.get()))]
pub async fn show(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    session: Session,
) -> Result<DuplicatesPage, AppError> {
    let found = catalog::duplicates(&state.pool).await?;
    let total = found.len();
    let pairs = found.iter().take(SHOWN).map(PairView::from).collect();
    Ok(DuplicatesPage {
        user: Some(me),
        notice: session.remove::<String>(NOTICE_KEY).await?,
        pairs,
        total,
    })
}

#[derive(Debug, Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    keep: String,
    #[serde(default)]
    drop: String,
}

/// A Merge button: `drop` into `keep`, then back to the list with what moved.
#[tracing::instrument(skip_all, fields(user_id = me.id.get(), keep = %form.keep, drop = %form.drop))]
pub async fn merge(
    State(state): State<AppState>,
    RequireAdmin(me): RequireAdmin,
    session: Session,
    Form(form): Form<MergeForm>,
) -> Result<Redirect, AppError> {
    let id = |field: &str, raw: &str| {
        MovieId::parse(raw).map_err(|e| AppError::bad_request(format!("{field}: {e}")))
    };
    let (keep, drop) = (id("keep", &form.keep)?, id("drop", &form.drop)?);
    let report = catalog::merge(&state.pool, keep, drop).await?;
    tracing::info!(
        user_id = me.id.get(),
        keep = keep.get(),
        drop = drop.get(),
        "films merged"
    );
    session.insert(NOTICE_KEY, report.summary()).await?;
    Ok(Redirect::to(PATH))
}
