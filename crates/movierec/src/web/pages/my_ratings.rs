//! The list of the visitor's own ratings, with sorting, paging and in-place editing.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::domain::Stars;
use crate::store;
use crate::store::ratings::{RatedMovie, RatingSort};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::{RequireUser, SessionUser};

const PAGE_SIZE: i64 = 20;

/// URL key, label and store order of each sort, the default first.
pub const SORTS: [(&str, &str, RatingSort); 3] = [
    ("recent", "Recently rated", RatingSort::Recent),
    ("rating", "Rating", RatingSort::Rating),
    ("title", "Title", RatingSort::Title),
];

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
    let (sort, _, order) = SORTS
        .iter()
        .find(|(key, _, _)| Some(*key) == query.sort.as_deref())
        .copied()
        .unwrap_or(SORTS[0]);
    let total = store::ratings::count_for_user(&state.pool, me.id).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = query
        .page
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let ratings =
        store::ratings::list_for_user(&state.pool, me.id, order, PAGE_SIZE, (page - 1) * PAGE_SIZE)
            .await?;
    Ok(MyRatingsPage {
        user: Some(me),
        ratings,
        total,
        page,
        pages,
        sort,
        sorts: SORTS.iter().map(|(key, label, _)| (*key, *label)).collect(),
        choices: Stars::all().rev().collect(),
        here: format!("/my/ratings?sort={sort}&page={page}"),
    })
}
