use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::domain::Stars;
use crate::recommend::{self, Recommendation, Source};
use crate::store;
use crate::store::movies::ScoredMovie;
use crate::store::recommendations::MovieSummary;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::{MaybeUser, SessionUser};

const TOP_RATED: i64 = 24;
/// How far "Next" steps through the ranked list before it says there are no more.
const MAX_PICKS: usize = 50;
const GRID: usize = 20;
const ONBOARDING_MOVIES: usize = 20;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    user: Option<SessionUser>,
    top: Vec<ScoredMovie>,
    personal: Option<Personal>,
    /// Highest first: the star input lays them out reversed (see style.css).
    choices: Vec<Stars>,
    has_model: bool,
    min_ratings: usize,
}

impl HomePage {
    fn has_model(&self) -> bool {
        self.has_model
    }
}

/// What a logged-in user sees.
pub struct Personal {
    rated: usize,
    onboarding: Vec<MovieSummary>,
    source: Source,
    /// Position in the ranked list of the featured pick.
    pick: usize,
    picks: Vec<Recommendation>,
}

impl Personal {
    fn featured(&self) -> Option<&Recommendation> {
        self.picks.get(self.pick)
    }

    fn next_pick(&self) -> usize {
        self.pick + 1
    }

    fn grid(&self) -> &[Recommendation] {
        &self.picks[..self.picks.len().min(GRID)]
    }

    /// Where the featured pick's forms come back to: the same position, which now holds the
    /// next movie because the one acted on left the list.
    fn here(&self) -> String {
        format!("/?pick={}", self.pick)
    }

    fn is_fallback(&self) -> bool {
        self.source == Source::Fallback
    }
}

#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    pick: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(query): Query<HomeQuery>,
) -> Result<HomePage, AppError> {
    let pick = match query.pick.as_deref() {
        None | Some("") => 0,
        Some(raw) => raw.parse::<usize>().map_err(|_| {
            AppError::bad_request("pick must be a whole number, the position in your picks.")
        })?,
    };
    let personal = match &user {
        Some(me) => Some(personal(&state, me.id, pick).await?),
        None => None,
    };
    let top = if personal.is_none() {
        store::movies::top_rated_by_critics(&state.pool, TOP_RATED).await?
    } else {
        Vec::new()
    };
    Ok(HomePage {
        user,
        top,
        personal,
        choices: Stars::all().rev().collect(),
        has_model: state.models.current().is_some(),
        min_ratings: recommend::MIN_RATINGS,
    })
}

async fn personal(state: &AppState, user_id: i64, pick: usize) -> Result<Personal, AppError> {
    let recommendations =
        recommend::for_user(&state.pool, &state.models, user_id, MAX_PICKS).await?;
    let rated = recommendations.rated;
    let onboarding = if rated < recommend::ONBOARDING_UNTIL {
        recommend::onboarding(
            &state.pool,
            &recommendations.rated_or_hidden,
            ONBOARDING_MOVIES,
        )
        .await?
    } else {
        Vec::new()
    };
    Ok(Personal {
        rated,
        onboarding,
        source: recommendations.source,
        pick: pick.min(recommendations.items.len()),
        picks: recommendations.items,
    })
}
