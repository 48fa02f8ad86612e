//! The file-based commands: `eval`, `train` (from a file, or into the database), `recommend`
//! and `import`.

pub mod eval;
pub mod import;
mod inputs;
mod options;
mod progress;
pub mod recommend;
pub mod train;

pub use options::{
    EvalOptions, ImplicitOptions, ImportOptions, ImportSource, ModelKind, ModelOptions,
    RecommendOptions, TrainOptions,
};
