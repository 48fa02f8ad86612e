use std::collections::HashSet;

use crate::domain::MovieId;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::services::recommendations::{self, Recommendation, Source};
use crate::serving;
use crate::store::movies::ScoredMovie;
use crate::store::recommendations::MovieSummary;
use crate::web::error::AppError;
use crate::web::session::{MaybeUser, SessionUser};
use crate::web::state::AppState;

/// Movies in the critics' list a visitor sees.
pub(crate) const TOP_RATED: i64 = 24;
/// How far "Next" steps through the ranked list before it says there are no more.
const MAX_PICKS: usize = 50;
const GRID: usize = 20;
const ONBOARDING_MOVIES: usize = 12;
/// Films in "Watch tonight": one row on a desktop.
const TONIGHT: usize = 6;
/// At most this many "Haven't seen" movies are carried in the address.
const MAX_SKIPPED: usize = 500;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    user: Option<SessionUser>,
    top: Vec<ScoredMovie>,
    personal: Option<Personal>,
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
    /// Ratings that make picks good enough to stop onboarding.
    target: usize,
    /// The onboarding flow is on the page: fewer than `target` ratings, or asked for more.
    rating_more: bool,
    /// Movies the user said they have not seen, kept in the address (no JavaScript needed).
    skipped: Vec<i64>,
    onboarding: Vec<MovieSummary>,
    source: Source,
    /// Position in the ranked list of the featured pick.
    pick: usize,
    picks: Vec<Recommendation>,
    /// A media server's library was read for the user: "Watch tonight" is shown.
    has_library: bool,
    /// The best films of that library for the user.
    tonight: Vec<Recommendation>,
    library: HashSet<MovieId>,
    /// Radarr's Request buttons of the picks shown.
    requests: crate::services::requests::Buttons,
}

impl Personal {
    fn in_library(&self, movie: &i64) -> bool {
        MovieId::new(*movie).is_ok_and(|m| self.library.contains(&m))
    }

    fn featured(&self) -> Option<&Recommendation> {
        self.picks.get(self.pick)
    }

    fn next_pick(&self) -> usize {
        self.pick + 1
    }

    /// The best picks other than the featured one: the grid below it never repeats it.
    fn grid(&self) -> Vec<&Recommendation> {
        self.picks
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != self.pick)
            .map(|(_, r)| r)
            .take(GRID)
            .collect()
    }

    /// Where the featured pick's forms come back to: the same position, which now holds the
    /// next movie because the one acted on left the list.
    fn here(&self) -> String {
        format!("/?pick={}#recs", self.pick)
    }

    fn is_fallback(&self) -> bool {
        self.source == Source::Fallback
    }

    fn show_onboarding(&self) -> bool {
        self.rating_more || self.rated < self.target
    }

    fn enough(&self) -> bool {
        self.rated >= self.target
    }

    /// The onboarding flow's address with `extra` movies skipped too.
    fn onboarding_link(&self, extra: &[i64]) -> String {
        let ids: Vec<String> = self
            .skipped
            .iter()
            .chain(extra)
            .map(i64::to_string)
            .collect();
        if ids.is_empty() {
            "/?rate=more#onboarding".to_owned()
        } else {
            format!("/?rate=more&skip={}#onboarding", ids.join(","))
        }
    }

    /// Where a rating in the onboarding flow comes back to.
    fn onboarding_here(&self) -> String {
        self.onboarding_link(&[])
    }

    /// "Haven't seen" for one movie, without JavaScript: the flow without it.
    fn skip_link(&self, movie: &i64) -> String {
        self.onboarding_link(&[*movie])
    }

    /// "More films", without JavaScript: the flow without any movie shown now.
    fn more_link(&self) -> String {
        let shown: Vec<i64> = self.onboarding.iter().map(|m| m.id).collect();
        self.onboarding_link(&shown)
    }
}

#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    pick: Option<String>,
    /// `more`: keep offering movies to rate after onboarding would end.
    rate: Option<String>,
    /// Comma-separated ids of movies not seen, left out of onboarding.
    skip: Option<String>,
}

/// The skipped ids in the address; anything that is not an id is ignored, as in any link.
fn parse_skipped(raw: Option<&str>) -> Vec<i64> {
    raw.unwrap_or_default()
        .split(',')
        .filter_map(|id| id.trim().parse::<i64>().ok())
        .filter(|id| *id > 0)
        .take(MAX_SKIPPED)
        .collect()
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
    let asked = Asked {
        pick,
        rating_more: query.rate.as_deref() == Some("more"),
        skipped: parse_skipped(query.skip.as_deref()),
    };
    let personal = match &user {
        Some(me) => Some(personal(&state, me, asked).await?),
        None => None,
    };
    let top = if personal.is_none() {
        state.caches.critics.top(&state.pool, TOP_RATED).await?
    } else {
        Vec::new()
    };
    Ok(HomePage {
        user,
        top,
        personal,
        has_model: state.models.current().is_some(),
        min_ratings: serving::MIN_RATINGS,
    })
}

/// What the address asks of the home page.
struct Asked {
    pick: usize,
    rating_more: bool,
    skipped: Vec<i64>,
}

async fn personal(state: &AppState, me: &SessionUser, asked: Asked) -> Result<Personal, AppError> {
    let user_id = me.id;
    let Asked {
        pick,
        rating_more,
        skipped,
    } = asked;
    let recommendations = recommendations::for_user(
        &state.pool,
        &state.models,
        &state.caches.picks,
        user_id,
        MAX_PICKS,
    )
    .await?;
    let rated = recommendations.rated;
    let target = recommendations::ONBOARDING_UNTIL;
    let onboarding = if rating_more || rated < target {
        let mut leave_out = recommendations.rated_or_hidden.clone();
        leave_out.extend(&skipped);
        // A film shown as a pick is not offered for rating again on the same page.
        let shown = recommendations
            .items
            .iter()
            .take(pick.saturating_add(GRID + 1));
        leave_out.extend(shown.map(|r| r.movie.id));
        recommendations::onboarding(&state.pool, &leave_out, ONBOARDING_MOVIES).await?
    } else {
        Vec::new()
    };
    let library = crate::store::media_library::library(&state.pool, user_id).await?;
    let tonight = if library.is_empty() {
        Vec::new()
    } else {
        recommendations::in_library(&state.pool, &state.models, user_id, &library, TONIGHT)
            .await?
            .items
    };
    let pick = pick.min(recommendations.items.len());
    // The featured pick and the grid are among these; at most MAX_PICKS.
    let shown: Vec<i64> = recommendations.items.iter().map(|r| r.movie.id).collect();
    let requests =
        crate::services::requests::buttons(&state.pool, Some(me.is_admin), &shown).await?;
    Ok(Personal {
        has_library: !library.is_empty(),
        tonight,
        library,
        rated,
        target,
        rating_more,
        skipped,
        onboarding,
        source: recommendations.source,
        pick,
        picks: recommendations.items,
        requests,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_skipped;

    #[test]
    fn skipped_ids_ignore_what_is_not_an_id() {
        assert_eq!(parse_skipped(Some("3,x,,7, 9,-1,0")), [3, 7, 9]);
        assert!(parse_skipped(None).is_empty());
        let many = (1..=600)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(parse_skipped(Some(&many)).len(), super::MAX_SKIPPED);
    }
}
