//! The file-based commands: `eval`, `train` (from a file, or into the database), `recommend`
//! and `import`.

pub mod enrich;
pub mod eval;
pub mod import;
mod inputs;
mod options;
mod progress;
pub mod recommend;
pub mod train;

pub use enrich::EnrichOptions;
pub use options::{
    EvalOptions, ImportOptions, ImportSource, ModelKind, ModelOptions, RecommendOptions,
    TrainOptions,
};
