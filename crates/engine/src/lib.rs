#![doc = include_str!("../README.md")]
//!
//! # Where things are
//!
//! - [`Dataset`] holds [`Ratings`] (a sparse matrix by user and by item) with the [`IdMap`]s
//!   between external ids and the dense [`UserIdx`] and [`ItemIdx`]; [`Dataset::load`] reads
//!   rating files, accepting the ratings of a [`RatingSet`] and naming file and line on error.
//! - [`Params`] chooses the [`Algorithm`] and its hyper-parameters; [`fit`] trains, reporting each
//!   epoch to a [`Progress`], and fails with a [`FitError`] rather than return a broken model.
//! - [`Model`] predicts, folds in new users ([`Model::fold_in`]), ranks ([`Model::top_n`]) and
//!   finds similar items ([`Model::similar_items`]); [`Model::save`] and [`Model::load`] write
//!   and read the model file.
//! - [`eval`] has seeded splits, k-fold cross-validation, RMSE/MAE and precision, recall and
//!   NDCG at N.
#![warn(missing_docs)]

mod content;
mod data;
pub mod eval;
mod external;
mod file;
mod ids;
mod implicit;
mod linalg;
mod load;
mod model;
mod neighbours;
mod params;
mod rng;
mod train;

pub use content::{CONTENT_SHRINK, ContentIndex, FEATURE_SHRINK, SERIES};
pub use data::{Dataset, DatasetBuilder, Rating, Ratings, Scale};
pub use external::FactorsError;
pub use file::FileError;
pub use ids::{IdMap, ItemIdx, UserIdx};
pub use implicit::{Explainer, ImplicitModel, ImplicitUser};
pub use load::{LoadError, RatingSet};
pub use model::{HybridUser, MATERIAL_SHARE, MIN_SUPPORT, Model, Pick, Reason, UserVector};
pub use params::{Algorithm, ImplicitParams, Params};
pub use train::{EpochReport, FitError, NoProgress, Progress, fit, fit_implicit};
