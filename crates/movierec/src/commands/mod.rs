//! The file-based commands: `eval`, `train` (from a file, or into the database), `recommend`
//! and `import`.

mod download;
pub mod eval;
pub mod import;
mod inputs;
mod options;
mod progress;
pub mod recommend;
pub mod train;

pub use options::{
    EvalOptions, ImdbSource, ImportOptions, ImportSource, Location, ModelKind, ModelOptions,
    RecommendOptions, TrainOptions,
};
