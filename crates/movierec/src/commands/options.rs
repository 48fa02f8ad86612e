//! What the file-based commands are asked to do, as plain values: the command line builds
//! them, and nothing here knows about flags.

use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// The rating model (SGD) and the implicit-feedback model, ranked by their blend.
    Hybrid,
    /// The implicit-feedback model alone; predicts no ratings.
    Ials,
    Baseline,
    Sgd,
    Als,
    /// Most-rated items first; for comparison in `eval` only.
    Popularity,
}

/// The model to fit; unset hyper-parameters take the engine's defaults for the model.
#[derive(Debug, Clone)]
pub struct ModelOptions {
    pub model: ModelKind,
    pub factors: Option<usize>,
    pub epochs: Option<usize>,
    pub lr: Option<f32>,
    pub reg: Option<f32>,
    pub reg_bias: Option<f32>,
    pub popularity_weight: Option<f32>,
    /// The hybrid's weight of the predicted rating (unset: tuned while training).
    pub blend: Option<f32>,
    /// The hybrid's search budget for its implicit-feedback values (unset: the engine's, or 0
    /// when any searched value is given).
    pub search_seconds: Option<f32>,
    /// The implicit-feedback model's settings (for `Hybrid`; `Ials` also takes the generic
    /// `factors`, `epochs` and `reg`).
    pub implicit: ImplicitOptions,
    pub seed: u64,
    /// Worker threads (0 = all cores).
    pub threads: usize,
}

/// Overrides of the implicit-feedback model's hyper-parameters.
#[derive(Debug, Clone, Default)]
pub struct ImplicitOptions {
    pub factors: Option<usize>,
    pub epochs: Option<usize>,
    pub reg: Option<f32>,
    pub reg_exponent: Option<f32>,
    pub unobserved_weight: Option<f32>,
    pub alpha: Option<f32>,
    pub rating_weight: Option<f32>,
    pub cg_steps: Option<usize>,
}

/// `eval`: a train/test pair of files, or one file split into `folds`.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    pub train: Option<PathBuf>,
    pub test: Option<PathBuf>,
    pub ratings: Option<PathBuf>,
    pub folds: usize,
    /// Test ratings at or above this count as relevant in the top-N metrics.
    pub relevant: f32,
    pub model: ModelOptions,
    /// One JSON object per run instead of a table.
    pub json: bool,
}

/// `train`: a ratings file to a model file, or the app's database to a stored model.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub ratings: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub database_url: Option<String>,
    pub model: ModelOptions,
}

/// `recommend`: the top `n` of a user from a model file.
#[derive(Debug, Clone)]
pub struct RecommendOptions {
    pub model: PathBuf,
    pub user: String,
    pub ratings: Option<PathBuf>,
    pub n: usize,
}

/// `import`: a data set into the app's database.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub source: ImportSource,
    pub database_url: String,
}

/// A data set to import, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSource {
    /// A MovieLens folder or `.zip`.
    MovieLens(PathBuf),
    /// IMDb's data sets.
    Imdb(ImdbSource),
    /// A user's history exported from another service.
    User(UserImport),
    /// An export folder with the factors a Spark job wrote into it.
    Factors(PathBuf),
}

/// `import user NAME FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserImport {
    /// The account's name, in any case.
    pub name: String,
    pub file: PathBuf,
    pub dry_run: bool,
    pub conflicts: crate::services::history::ConflictChoice,
}

/// IMDb's files to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImdbSource {
    pub basics: Location,
    pub ratings: Location,
    /// `title.crew` and `name.basics`, for the directors.
    pub crew_and_names: Option<(Location, Location)>,
    pub min_votes: u32,
}

/// A file on disk, or one to download first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Path(PathBuf),
    Url(String),
}

impl Location {
    /// An `http://` or `https://` address is a URL; anything else a path.
    pub fn parse(text: &str) -> Self {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Self::Url(text.to_owned())
        } else {
            Self::Path(PathBuf::from(text))
        }
    }
}
