//! The file-based commands: `eval`, `train` (from a file, or into the database) and `recommend`.

pub mod eval;
mod inputs;
mod options;
mod progress;
pub mod recommend;
pub mod train;

pub use options::{EvalOptions, ModelKind, ModelOptions, RecommendOptions, TrainOptions};
