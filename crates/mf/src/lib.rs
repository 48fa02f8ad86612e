//! A matrix-factorisation recommender engine for explicit ratings: data sets, training (baseline,
//! SGD, ALS), fold-in of new users, top-N, item similarity, evaluation and model files.
//!
//! Pure Rust: no I/O beyond reading rating and model files.

pub mod data;
pub mod eval;
pub mod file;
pub mod model;
mod rng;
pub mod train;

pub use data::{Dataset, IdMap, LoadError, Ratings, Scale};
pub use file::FileError;
pub use model::{Model, Regularisation, UserVector};
pub use train::{Algorithm, EpochReport, NoProgress, Params, Progress, fit};
