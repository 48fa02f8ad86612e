//! The Request button of a film (Radarr), as a plain form: the film is requested and the
//! visitor goes back where they were, with `done=requested` in the address.

use axum::Form;
use axum::extract::State;
use axum::response::Redirect;

use super::NextForm;
use crate::domain::MovieId;
use crate::services::requests;
use crate::web::error::AppError;
use crate::web::extract::PageId;
use crate::web::session::{RequireUser, safe_next};
use crate::web::state::AppState;

/// `POST /movies/{id}/request`.
#[tracing::instrument(skip_all, fields(user = me.id.get(), movie = %id))]
pub(crate) async fn request(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<MovieId>,
    Form(form): Form<NextForm>,
) -> Result<Redirect, AppError> {
    requests::request(&state.pool, me.id, me.is_admin, id).await?;
    let next = match form.next.as_deref() {
        Some(_) => safe_next(form.next.as_deref()),
        None => format!("/movies/{id}"),
    };
    Ok(Redirect::to(&with_done(&next)))
}

/// `next` with `done=requested` added to its query, before any fragment.
fn with_done(next: &str) -> String {
    let (path, fragment) = match next.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (next, None),
    };
    let joiner = if path.contains('?') { '&' } else { '?' };
    match fragment {
        Some(fragment) => format!("{path}{joiner}done=requested#{fragment}"),
        None => format!("{path}{joiner}done=requested"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_done;

    #[test]
    fn done_goes_into_the_query() {
        assert_eq!(with_done("/movies/3"), "/movies/3?done=requested");
        assert_eq!(with_done("/#grid-heading"), "/?done=requested#grid-heading");
        assert_eq!(with_done("/?pick=2#recs"), "/?pick=2&done=requested#recs");
    }
}
