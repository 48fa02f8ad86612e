//! `/api/v1/nights`: create a movie night, join it, its picks for the members, and the vote.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use super::ApiJson;
use crate::domain::{MovieId, NightId};
use crate::services::nights::{self, MemberView, NewNight};
use crate::services::recommendations::Source;
use crate::web::error::AppError;
use crate::web::extract::ApiId;
use crate::web::session::RequireUser;
use crate::web::state::AppState;

/// The most picks one request may ask for.
const MAX_N: usize = 50;
const DEFAULT_PICKS: usize = 10;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    #[serde(default)]
    members: Vec<String>,
    strategy: Option<String>,
    #[serde(default)]
    exclude_genres: Vec<String>,
    max_runtime: Option<i64>,
    year_from: Option<i64>,
    year_to: Option<i64>,
    /// Only films in a member's media-server library.
    #[serde(default)]
    library_only: bool,
}

#[derive(Debug, Serialize)]
pub struct Created {
    id: NightIdJson,
}

type NightIdJson = i64;

/// 201 with the new night's id; the caller is its first member, the others are invited.
#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<impl IntoResponse, AppError> {
    let id = nights::create(
        &state.pool,
        me.id,
        NewNight {
            members: body.members,
            strategy: body.strategy,
            exclude_genres: body.exclude_genres,
            max_runtime: body.max_runtime,
            year_from: body.year_from,
            year_to: body.year_to,
            library_only: body.library_only,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.get() })))
}

#[derive(Debug, Serialize)]
pub struct MemberJson {
    name: String,
    joined: bool,
}

#[derive(Debug, Serialize)]
pub struct OptionsJson {
    exclude_genres: Vec<String>,
    max_runtime: Option<i64>,
    year_from: Option<i64>,
    year_to: Option<i64>,
    library_only: bool,
}

#[derive(Debug, Serialize)]
pub struct StandingJson {
    movie_id: i64,
    title: String,
    points: u32,
    vetoes: u32,
    group_score: f64,
}

#[derive(Debug, Serialize)]
pub struct NightJson {
    id: i64,
    strategy: &'static str,
    members: Vec<MemberJson>,
    /// The path of the invitation link.
    invite_path: String,
    options: OptionsJson,
    /// The films put to the vote, best first by the standings; empty until the first vote.
    standings: Vec<StandingJson>,
    /// The best film no one vetoed, once anyone voted.
    winner: Option<i64>,
    voted: Vec<String>,
    waiting: Vec<String>,
}

/// The night with its members, options and the vote so far; 404 unless the caller joined it.
#[tracing::instrument(skip_all, fields(night = %id))]
pub async fn show(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<NightId>,
) -> Result<Json<NightJson>, AppError> {
    let night = nights::view(&state.pool, id, me.id).await?;
    let results = nights::results(&state.pool, &night).await?;
    let options = &night.night.options;
    Ok(Json(NightJson {
        id: id.get(),
        strategy: night.strategy.key(),
        members: night
            .members
            .iter()
            .map(|m| MemberJson {
                name: m.username.clone(),
                joined: m.joined,
            })
            .collect(),
        invite_path: night.invite_path(),
        options: OptionsJson {
            exclude_genres: options.exclude_genres.clone(),
            max_runtime: options.max_runtime,
            year_from: options.year_from,
            year_to: options.year_to,
            library_only: options.library_only,
        },
        winner: results.winner.as_ref().map(|m| m.id),
        standings: results
            .standings
            .into_iter()
            .map(|(movie, s)| StandingJson {
                movie_id: movie.id,
                title: movie.title,
                points: s.points,
                vetoes: s.vetoes,
                group_score: s.group_score,
            })
            .collect(),
        voted: results.voted,
        waiting: results.waiting,
    }))
}

/// An invited member accepts: 204. Anyone not invited gets 404.
#[tracing::instrument(skip_all, fields(night = %id))]
pub async fn join(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<NightId>,
) -> Result<StatusCode, AppError> {
    nights::join(&state.pool, id, me.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct CountQuery {
    n: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PickJson {
    movie_id: i64,
    title: String,
    year: Option<i64>,
    genre: Option<String>,
    /// `null` for fallback picks: only the model predicts.
    group_score: Option<f32>,
    members: Vec<MemberView>,
}

#[derive(Debug, Serialize)]
pub struct PicksJson {
    source: Source,
    note: Option<String>,
    picks: Vec<PickJson>,
}

/// Up to `n` (1–50, default 10) picks for the night's joined members.
#[tracing::instrument(skip_all, fields(night = %id))]
pub async fn picks(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<NightId>,
    Query(query): Query<CountQuery>,
) -> Result<Json<PicksJson>, AppError> {
    let n = match query.n.as_deref() {
        None => DEFAULT_PICKS,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_N).contains(&n) => n,
            _ => {
                return Err(AppError::bad_request(format!(
                    "n: Give a whole number from 1 to {MAX_N}."
                )));
            }
        },
    };
    let night = nights::view(&state.pool, id, me.id).await?;
    let found = nights::picks(&state.pool, &state.models, &night, n).await?;
    Ok(Json(PicksJson {
        source: found.source,
        note: found.note,
        picks: found
            .items
            .into_iter()
            .map(|p| PickJson {
                movie_id: p.movie.id,
                title: p.movie.title,
                year: p.movie.year,
                genre: p.movie.genre,
                group_score: p.group_score,
                members: p.members,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    #[serde(default)]
    ranking: Vec<i64>,
    #[serde(default)]
    vetoes: Vec<i64>,
}

fn movie_ids(field: &str, ids: &[i64]) -> Result<Vec<MovieId>, AppError> {
    ids.iter()
        .map(|&id| MovieId::new(id).map_err(|e| AppError::bad_request(format!("{field}: {e}"))))
        .collect()
}

/// The caller's ranking (first choice first) and vetoes of the films put to the vote,
/// replacing their earlier vote: 204.
#[tracing::instrument(skip_all, fields(night = %id))]
pub async fn vote(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    ApiId(id): ApiId<NightId>,
    ApiJson(body): ApiJson<VoteBody>,
) -> Result<StatusCode, AppError> {
    let ranking = movie_ids("ranking", &body.ranking)?;
    let vetoes = movie_ids("vetoes", &body.vetoes)?;
    let night = nights::view(&state.pool, id, me.id).await?;
    nights::vote(
        &state.pool,
        &state.models,
        &night,
        me.id,
        &ranking,
        &vetoes,
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
