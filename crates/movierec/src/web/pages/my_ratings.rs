//! The list of the visitor's own ratings, with sorting, paging and in-place editing.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::domain::{PageNumber, RatingSort, Stars};
use crate::store;
use crate::store::ratings::RatedMovie;
use crate::web::error::AppError;
use crate::web::session::{RequireUser, SessionUser};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "my_ratings.html")]
pub struct MyRatingsPage {
    user: Option<SessionUser>,
    ratings: Vec<RatedMovie>,
    total: i64,
    page: i64,
    pages: i64,
    sort: &'static str,
    sorts: Vec<(&'static str, &'static str)>,
    choices: Vec<Stars>,
    /// This page's address, so edits come back to it.
    here: String,
}

impl MyRatingsPage {
    /// The day a rating was given or last changed, `YYYY-MM-DD` (UTC).
    fn iso_date(&self, secs: &i64) -> String {
        crate::web::dates::format_utc(*secs)[..10].to_owned()
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    sort: Option<String>,
    page: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Query(query): Query<ListQuery>,
) -> Result<MyRatingsPage, AppError> {
    // Unknown values fall back to defaults: these are links, not user input worth an error.
    let sort = query
        .sort
        .as_deref()
        .and_then(|key| RatingSort::parse(key).ok())
        .unwrap_or_default();
    let total = store::ratings::count_for_user(&state.pool, me.id).await?;
    let pages = PageNumber::count(total);
    let page = PageNumber::parse_or_first(query.page.as_deref()).at_most(pages);
    let ratings = store::ratings::list_for_user(&state.pool, me.id, sort, page).await?;
    Ok(MyRatingsPage {
        user: Some(me),
        ratings,
        total,
        page: page.get(),
        pages,
        sort: sort.key(),
        sorts: RatingSort::ALL
            .iter()
            .map(|sort| (sort.key(), sort.label()))
            .collect(),
        choices: Stars::all().rev().collect(),
        here: format!("/my/ratings?sort={}&page={}", sort.key(), page.get()),
    })
}
