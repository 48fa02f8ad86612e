#![doc = include_str!("../README.md")]
//!
//! # Where things are
//!
//! - [`Dataset`] holds [`Ratings`] (a sparse matrix by user and by item) with the [`IdMap`]s
//!   between the caller's ids (strings, integers or its own [`ExternalId`] type) and the dense
//!   [`UserIdx`] and [`ItemIdx`]; [`Dataset::load`] reads rating files, accepting the ratings
//!   of a [`RatingSet`] and naming file and line on error.
//! - [`Params`] chooses the [`Algorithm`] and its hyper-parameters ([`ImplicitParams`] for the
//!   implicit-feedback model); [`Fit`] runs a training with a seed, threads, held-out ratings,
//!   a search budget and a [`Progress`] to report each epoch to, and [`fit`] with the defaults.
//!   Both fail with a [`FitError`] rather than return a broken model.
//! - [`Model`] folds a user in ([`Model::fold_in`], or [`Model::user`] for a training user) as a
//!   [`User`], and answers with one verb per job: [`Model::recommend`] (a list of [`Pick`]s),
//!   [`Model::predict`] (the stars), [`Model::explain`] (a [`Reason`] per pick) and
//!   [`Model::similar_items`], and for a group watching together [`Model::recommend_group`]
//!   (each member's prediction made one score by a [`Strategy`]); [`Model::save`] and
//!   [`Model::load`] write and read the model file.
//! - [`eval`] has seeded splits, k-fold cross-validation, RMSE/MAE and precision, recall and
//!   NDCG at N.
#![warn(missing_docs)]

mod content;
mod data;
pub mod eval;
mod external;
mod file;
mod group;
mod ids;
mod implicit;
mod linalg;
mod load;
mod model;
mod neighbours;
mod params;
mod rng;
mod top;
mod train;

pub use content::{ContentIndex, SERIES};
pub use data::{Dataset, DatasetBuilder, Rating, Ratings, Scale};
pub use external::FactorsError;
pub use file::FileError;
pub use group::{GroupPick, Strategy, WATCHLIST_BOOST, rank_group};
pub use ids::{ExternalId, IdMap, ItemIdx, UserIdx};
pub use implicit::ImplicitModel;
pub use load::{LoadError, RatingSet};
pub use model::{Model, Pick, Reason, User};
pub use params::{Algorithm, ImplicitParams, Params};
pub use train::{EpochReport, Fit, FitError, NoProgress, Progress, Stage, fit};

// The engine's tests share the integration tests' data generator, which names the crate.
#[cfg(test)]
extern crate self as movierec_engine;
