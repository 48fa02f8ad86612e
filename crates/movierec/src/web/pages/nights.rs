//! Movie night pages: the list with the form to start one, a night (members, invitation link,
//! options, picks with each member's stars and reasons, the voting form), the invitation
//! link's page and the results.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::domain::{MovieId, NightId, NightStrategy};
use crate::services::nights::{
    self, BallotChoice, GroupPicks, NewNight, NightError, NightView, Results,
};
use crate::store;
use crate::store::nights::NightListing;
use crate::web::error::AppError;
use crate::web::extract::PageId;
use crate::web::session::{RequireUser, SessionUser};
use crate::web::state::AppState;

/// How many picks the night page shows.
const PAGE_PICKS: usize = 10;

/// What the create form was filled with, shown again beside its error.
#[derive(Debug, Clone, Default)]
pub struct CreateForm {
    members: String,
    strategy: String,
    exclude_genres: Vec<String>,
    max_runtime: String,
    year_from: String,
    year_to: String,
    library_only: bool,
}

impl CreateForm {
    fn strategy_is(&self, key: &str) -> bool {
        self.strategy == key || (self.strategy.is_empty() && key == NightStrategy::default().key())
    }

    fn excludes(&self, genre: &&str) -> bool {
        self.exclude_genres.iter().any(|g| g == genre)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "nights.html")]
pub struct NightsPage {
    user: Option<SessionUser>,
    nights: Vec<NightListing>,
    genres: Vec<&'static str>,
    strategies: [NightStrategy; 3],
    form: CreateForm,
    /// The field in error and its message.
    error: Option<(String, String)>,
}

impl NightsPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, message)| message.as_str())
    }
}

async fn nights_page(
    state: &AppState,
    me: SessionUser,
    form: CreateForm,
    error: Option<(String, String)>,
) -> Result<NightsPage, AppError> {
    let nights = store::nights::for_user(&state.pool, me.id).await?;
    let index = state.search.current(&state.pool).await?;
    Ok(NightsPage {
        user: Some(me),
        nights,
        genres: index.genres().into_iter().map(|g| g.name).collect(),
        strategies: NightStrategy::ALL,
        form,
        error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
) -> Result<NightsPage, AppError> {
    nights_page(&state, me, CreateForm::default(), None).await
}

/// A number field of the form: empty is none; anything else must be a whole number.
fn number(field: &str, raw: &str) -> Result<Option<i64>, NightError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| NightError::Invalid(format!("{field}: Give a whole number.")))
}

fn new_night(form: &CreateForm) -> Result<NewNight, NightError> {
    Ok(NewNight {
        members: form
            .members
            .split([',', ' ', '\n'])
            .filter(|name| !name.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        strategy: Some(form.strategy.clone()).filter(|s| !s.is_empty()),
        exclude_genres: form.exclude_genres.clone(),
        max_runtime: number("max_runtime", &form.max_runtime)?,
        year_from: number("year_from", &form.year_from)?,
        year_to: number("year_to", &form.year_to)?,
        library_only: form.library_only,
    })
}

/// Creates the night and opens it; bad input shows the form again with the field's message.
#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut form = CreateForm::default();
    for (name, value) in fields {
        match name.as_str() {
            "members" => form.members = value,
            "strategy" => form.strategy = value,
            "exclude_genres" => form.exclude_genres.push(value),
            "max_runtime" => form.max_runtime = value,
            "year_from" => form.year_from = value,
            "year_to" => form.year_to = value,
            "library_only" => form.library_only = true,
            _ => {}
        }
    }
    let created = match new_night(&form) {
        Ok(new) => nights::create(&state.pool, me.id, new).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(id) => Ok(Redirect::to(&format!("/nights/{id}")).into_response()),
        Err(NightError::Invalid(message)) => {
            let (field, text) = message
                .split_once(": ")
                .map(|(f, t)| (f.to_owned(), t.to_owned()))
                .unwrap_or_else(|| ("members".to_owned(), message.clone()));
            let page = nights_page(&state, me, form, Some((field, text))).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "night.html")]
pub struct NightPage {
    user: Option<SessionUser>,
    night: NightView,
    picks: GroupPicks,
    ballot: Vec<BallotChoice>,
    places: Vec<i64>,
    voted: bool,
    /// The invitation link in full, on the address the member reached the site by.
    invite_url: String,
}

impl NightPage {
    fn stars(predicted: &Option<f32>) -> String {
        predicted.map_or_else(|| "–".to_owned(), |p| format!("{p:.1}★"))
    }
}

#[tracing::instrument(skip_all, fields(night = %id))]
pub async fn show(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<NightId>,
    headers: axum::http::HeaderMap,
) -> Result<NightPage, AppError> {
    let page = nights::page(&state.pool, &state.models, id, me.id, PAGE_PICKS).await?;
    Ok(NightPage {
        user: Some(me),
        invite_url: format!(
            "{}{}",
            crate::web::hooks::origin(&headers),
            page.night.invite_path()
        ),
        places: (1..=page.ballot.len() as i64).collect(),
        voted: page.voted,
        ballot: page.ballot,
        night: page.night,
        picks: page.picks,
    })
}

/// An invited member accepts from the list of nights.
pub async fn join(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<NightId>,
) -> Result<Redirect, AppError> {
    nights::join(&state.pool, id, me.id).await?;
    Ok(Redirect::to(&format!("/nights/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "night_invite.html")]
pub struct InvitePage {
    user: Option<SessionUser>,
    night: NightView,
    token: String,
}

/// The invitation link: who invites, who is in, and a button to join. A member who joined
/// already goes straight to the night.
pub async fn invitation(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (night, joined) = nights::invitation(&state.pool, &token, me.id).await?;
    if joined {
        return Ok(Redirect::to(&format!("/nights/{}", night.id())).into_response());
    }
    Ok(InvitePage {
        user: Some(me),
        night,
        token,
    }
    .into_response())
}

pub async fn accept(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(token): Path<String>,
) -> Result<Redirect, AppError> {
    let id = nights::join_by_link(&state.pool, &token, me.id).await?;
    Ok(Redirect::to(&format!("/nights/{id}")))
}

/// The voting form: `ballot` (each film shown), `place-{id}` (1 first, empty for unranked)
/// and `veto-{id}`.
#[tracing::instrument(skip_all, fields(night = %id))]
pub async fn vote(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<NightId>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Redirect, AppError> {
    let night = nights::view(&state.pool, id, me.id).await?;
    let mut seen: Vec<MovieId> = Vec::new();
    let mut placed: Vec<(i64, MovieId)> = Vec::new();
    let mut vetoes: Vec<MovieId> = Vec::new();
    let film = |field: &str, raw: &str| {
        MovieId::parse(raw).map_err(|e| AppError::bad_request(format!("{field}: {e}")))
    };
    for (name, value) in &fields {
        if name == "ballot" {
            seen.push(film("ballot", value)?);
        } else if let Some(raw) = name.strip_prefix("place-") {
            let movie = film("ranking", raw)?;
            if value.trim().is_empty() {
                continue;
            }
            let place: i64 = value
                .trim()
                .parse()
                .map_err(|_| AppError::bad_request("ranking: A place is a whole number."))?;
            if placed.iter().any(|&(p, _)| p == place) {
                return Err(AppError::bad_request(format!(
                    "ranking: Two films share place {place}; give each a place of its own."
                )));
            }
            placed.push((place, movie));
        } else if let Some(raw) = name.strip_prefix("veto-") {
            vetoes.push(film("vetoes", raw)?);
        }
    }
    placed.sort_unstable();
    let ranking: Vec<MovieId> = placed.into_iter().map(|(_, movie)| movie).collect();
    // A vetoed film keeps no place: the veto is what the voter meant.
    let ranking: Vec<MovieId> = ranking
        .into_iter()
        .filter(|m| !vetoes.contains(m))
        .collect();
    nights::vote(
        &state.pool,
        &state.models,
        &night,
        me.id,
        &ranking,
        &vetoes,
        Some(&seen),
    )
    .await?;
    Ok(Redirect::to(&format!("/nights/{id}/results")))
}

#[derive(Template, WebTemplate)]
#[template(path = "night_results.html")]
pub struct ResultsPage {
    user: Option<SessionUser>,
    night: NightView,
    results: Results,
}

pub async fn results(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    PageId(id): PageId<NightId>,
) -> Result<ResultsPage, AppError> {
    let night = nights::view(&state.pool, id, me.id).await?;
    let results = nights::results(&state.pool, &night).await?;
    Ok(ResultsPage {
        user: Some(me),
        night,
        results,
    })
}
