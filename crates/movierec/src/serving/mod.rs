//! The model that serves requests and the pure ranking over it: the slot holding the current
//! model (an `Arc` swapped atomically when a training finishes) and what is worked out from a
//! user's ratings with the engine alone, without the store.

mod group;
mod ids;
mod rank;
mod slot;
#[cfg(test)]
mod test_support;

pub use group::{GroupModelPick, GroupRanking, MemberPick, MemberTaste, group_rank};
pub use ids::{Dataset, Model};
pub use rank::{
    LIKED_STARS, MIN_RATINGS, ModelPick, predicted_rating, rank, rank_among, rank_with_seen,
    similar,
};
pub use slot::{ModelSlot, ModelTurn, STAR_SCALE, ServingModel};
