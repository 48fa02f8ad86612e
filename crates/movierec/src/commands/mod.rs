//! The file-based commands: `eval`, `train` (from a file, or into the database), `recommend`
//! and `import`
//! (data sets, or a user's history).

pub mod eval;
pub mod import;
mod import_user;
mod inputs;
mod options;
mod progress;
pub mod recommend;
pub mod train;

pub use options::{
    EvalOptions, ImportOptions, ImportSource, ModelKind, ModelOptions, RecommendOptions,
    TrainOptions, UserImport,
};
