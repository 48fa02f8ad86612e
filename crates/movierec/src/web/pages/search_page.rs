//! The search page: title search with genre and year filters, paged.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::catalog::YEAR_RANGE;
use crate::domain::{SearchSort, Stars};
use crate::search::index::GenreCount;
use crate::search::{FieldError, Results, SearchParams, SearchRequest};
use crate::services::any_movie::{RemoteHit, Source};
use crate::services::search;
use crate::store;
use crate::web::error::AppError;
use crate::web::session::{MaybeUser, SessionUser, encode_component};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
pub struct SearchPage {
    user: Option<SessionUser>,
    /// The form's values as typed, to show them again.
    q: String,
    genre: String,
    year_from: String,
    year_to: String,
    sort: String,
    /// `(key, label)` of every order.
    sorts: Vec<(&'static str, &'static str)>,
    /// The vocabulary's genres some film has, with their number of films.
    genres: Vec<GenreCount>,
    first_year: u16,
    last_year: u16,
    /// Shown instead of results when nothing was asked.
    prompt: Option<String>,
    error: Option<FieldError>,
    results: Option<Results>,
    /// The viewer's ratings of the movies on this page of results.
    ratings: HashMap<i64, Stars>,
    /// Films at a provider, when the catalog has few matches and a key is set.
    remote: Vec<RemoteHit>,
}

impl SearchPage {
    fn steps_of(&self, movie: &i64) -> u8 {
        super::half_steps(self.ratings.get(movie).copied())
    }

    /// TMDB's notice, when its results are shown.
    fn tmdb_notice(&self) -> Option<&'static str> {
        self.remote
            .iter()
            .any(|h| h.source == Source::Tmdb)
            .then_some(crate::providers::tmdb::ATTRIBUTION)
    }

    /// This page's address, where a rating form brings the viewer back to.
    fn here(&self) -> String {
        let page = self.results.as_ref().map_or(1, |r| r.page);
        self.page_link(page)
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// This search at another page, keeping the query and the filters.
    fn page_link(&self, page: i64) -> String {
        let mut link = String::from("/search?");
        for (key, value) in [
            ("q", &self.q),
            ("genre", &self.genre),
            ("year_from", &self.year_from),
            ("year_to", &self.year_to),
            ("sort", &self.sort),
        ] {
            if !value.is_empty() {
                link.push_str(&format!("{key}={}&", encode_component(value)));
            }
        }
        link.push_str(&format!("page={page}"));
        link
    }
}

pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let index = state.search.current(&state.pool).await?;
    let typed = |value: &Option<String>| value.as_deref().unwrap_or_default().trim().to_owned();
    let mut page = SearchPage {
        user,
        q: typed(&params.q),
        genre: typed(&params.genre),
        year_from: typed(&params.year_from),
        year_to: typed(&params.year_to),
        sort: typed(&params.sort),
        sorts: SearchSort::ALL
            .iter()
            .map(|s| (s.key(), s.label()))
            .collect(),
        genres: index.genres(),
        first_year: *YEAR_RANGE.start(),
        last_year: *YEAR_RANGE.end(),
        prompt: None,
        error: None,
        results: None,
        ratings: HashMap::new(),
        remote: Vec::new(),
    };
    match SearchRequest::parse(&params) {
        Ok(Some(request)) => {
            let user_id = page.user.as_ref().map(|me| me.id);
            let found =
                search::find(&state.pool, &state.providers, &index, &request, user_id).await?;
            if let Some(user_id) = user_id {
                let ids: Vec<i64> = found.results.hits.iter().map(|h| h.id).collect();
                page.ratings = store::ratings::of_movies(&state.pool, user_id, &ids).await?;
            }
            page.results = Some(found.results);
            page.remote = found.from_providers;
            Ok(page.into_response())
        }
        Ok(None) => {
            page.prompt = Some(SearchRequest::nothing_asked().message);
            Ok(page.into_response())
        }
        Err(error) => {
            page.error = Some(error);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
