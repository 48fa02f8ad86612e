//! Recommendations: the current model folded in with the user's current ratings, or a labelled
//! fallback when there is no model yet or too few ratings to go on.
//!
//! Every request reads the user's ratings and lists afresh, so a new, changed or removed
//! rating counts on the very next page load, whichever process wrote it. What is computed
//! from them (the fold-in, scoring the whole catalog, the titles) is kept per process in a
//! [`PicksCache`] keyed by a digest of exactly what it was computed from: the ratings, the
//! lists, the serving model's version and the catalog's generation. Any change to one of
//! them is a different key, so the cache can only save work, never serve stale picks.

mod caches;
mod fallback;
mod for_user;
mod onboarding;
mod picks;
mod similar;
mod tonight;

pub use caches::{CriticsList, MAX_PICKS, PicksCache};
pub use fallback::best_rated_fallback;
pub use for_user::for_user;
pub use onboarding::{ONBOARDING_UNTIL, onboarding};
pub use picks::{Recommendation, Recommendations, Source};
pub use similar::{SimilarMovie, similar_movies, similar_with_titles};
pub use tonight::in_library;
