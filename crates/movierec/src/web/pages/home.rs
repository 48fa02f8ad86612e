use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::store;
use crate::store::movies::ScoredMovie;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::{MaybeUser, SessionUser};

const TOP_RATED: i64 = 24;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    user: Option<SessionUser>,
    top: Vec<ScoredMovie>,
}

pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<HomePage, AppError> {
    let top = store::movies::top_rated_by_critics(&state.pool, TOP_RATED).await?;
    Ok(HomePage { user, top })
}
