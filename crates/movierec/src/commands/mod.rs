//! The file-based commands: `eval`, `train` (from a file, or into the database), `recommend`,
//! `import` and `export`.

pub mod eval;
pub mod import;
mod inputs;
mod options;
mod progress;
pub mod recommend;
pub mod spark;
pub mod train;

pub use options::{
    EvalOptions, ImportOptions, ImportSource, ModelKind, ModelOptions, RecommendOptions,
    TrainOptions,
};
