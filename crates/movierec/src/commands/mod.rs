//! The commands other than `serve` (whose start-up is [`crate::startup`]): `eval`, `train`
//! (from a file, or into the database), `recommend`, `import` (data sets, a user's history, a
//! model trained elsewhere), `export`, `copy`, `catalog` (duplicates found and merged),
//! `enrich` and `admin` (the administrator role granted or revoked).

pub mod admin;
pub mod catalog;
pub mod copy;
mod download;
pub mod enrich;
pub mod eval;
pub mod import;
mod import_user;
pub(crate) mod inputs;
mod options;
mod progress;
pub mod recommend;
pub mod spark;
pub mod train;

pub use catalog::{CatalogAction, CatalogOptions};
pub use enrich::EnrichOptions;
pub use options::{
    EvalOptions, ImdbSource, ImplicitOptions, ImportOptions, ImportSource, Location, ModelKind,
    ModelOptions, RecommendOptions, TrainOptions, UserImport,
};
