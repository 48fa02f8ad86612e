//! "Not interested" and the watchlist: the forms that change them and their pages.

use crate::domain::{MovieId, UserId};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::Redirect;

use super::{NextForm, back};
use crate::store;
use crate::store::lists::{List, ListedMovie};
use crate::web::error::AppError;
use crate::web::extract::PageId;
use crate::web::session::{RequireUser, SessionUser};
use crate::web::state::AppState;

async fn add(
    state: &AppState,
    user_id: UserId,
    id: MovieId,
    list: List,
    form: &NextForm,
) -> Result<Redirect, AppError> {
    if !store::lists::add(&state.pool, list, user_id, id).await? {
        return Err(AppError::no_such_movie(id));
    }
    Ok(back(form.next.as_deref(), id))
}

async fn remove(
    state: &AppState,
    user_id: UserId,
    id: MovieId,
    list: List,
    form: &NextForm,
) -> Result<Redirect, AppError> {
    // Taking off a movie that is not there is already the wanted outcome.
    store::lists::remove(&state.pool, list, user_id, id).await?;
    Ok(back(form.next.as_deref(), id))
}

pub async fn hide(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<MovieId>,
    Form(form): Form<NextForm>,
) -> Result<Redirect, AppError> {
    add(&state, me.id, id, List::Hidden, &form).await
}

pub async fn unhide(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<MovieId>,
    Form(form): Form<NextForm>,
) -> Result<Redirect, AppError> {
    remove(&state, me.id, id, List::Hidden, &form).await
}

pub async fn watch(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<MovieId>,
    Form(form): Form<NextForm>,
) -> Result<Redirect, AppError> {
    add(&state, me.id, id, List::Watchlist, &form).await
}

pub async fn unwatch(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<MovieId>,
    Form(form): Form<NextForm>,
) -> Result<Redirect, AppError> {
    remove(&state, me.id, id, List::Watchlist, &form).await
}

#[derive(Template, WebTemplate)]
#[template(path = "watchlist.html")]
pub struct WatchlistPage {
    user: Option<SessionUser>,
    watchlist: Vec<ListedMovie>,
}

pub async fn show(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
) -> Result<WatchlistPage, AppError> {
    let watchlist = store::lists::movies(&state.pool, List::Watchlist, me.id).await?;
    Ok(WatchlistPage {
        user: Some(me),
        watchlist,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "not_interested.html")]
pub struct NotInterestedPage {
    user: Option<SessionUser>,
    hidden: Vec<ListedMovie>,
}

pub async fn not_interested(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
) -> Result<NotInterestedPage, AppError> {
    let hidden = store::lists::movies(&state.pool, List::Hidden, me.id).await?;
    Ok(NotInterestedPage {
        user: Some(me),
        hidden,
    })
}
