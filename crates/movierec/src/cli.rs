//! The one `movierec` binary: clap definitions and dispatch to each subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "movierec", version, about = "Self-hosted movie recommender")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web app (the default when no subcommand is given).
    Serve(ServeArgs),
    /// Evaluate a model on a train/test split or by k-fold cross-validation.
    Eval(EvalArgs),
    /// Train a model from a ratings file and save it.
    Train(TrainArgs),
    /// Print the top-N recommendations of a user from a saved model.
    Recommend(RecommendArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MOVIEREC_BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,
    /// Database URL (sqlite:// or postgres://).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/movierec.db"
    )]
    pub database_url: String,
    /// Mark session cookies `Secure` (serve behind https).
    #[arg(long, env = "MOVIEREC_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Log filter, e.g. `info` or `movierec=debug,tower_http=info`.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log: String,
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8000".into(),
            database_url: "sqlite://data/movierec.db".into(),
            secure_cookies: false,
            log: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelKind {
    Baseline,
    Sgd,
    Als,
    /// Most-rated items first; for comparison in `eval` only.
    Popularity,
}

/// Hyper-parameters; unset ones take the engine's documented defaults for the model.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    #[arg(long, value_enum, default_value = "sgd")]
    pub model: ModelKind,
    #[arg(long)]
    pub factors: Option<usize>,
    #[arg(long)]
    pub epochs: Option<usize>,
    #[arg(long)]
    pub lr: Option<f32>,
    #[arg(long)]
    pub reg: Option<f32>,
    /// Bias regularisation.
    #[arg(long)]
    pub reg_bias: Option<f32>,
    /// Ranking weight of an item's rating count (0 = rank by predicted rating alone).
    #[arg(long)]
    pub popularity_weight: Option<f32>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Training ratings (u.data, ratings.dat or ratings.csv).
    #[arg(long, requires = "test", conflicts_with = "ratings")]
    pub train: Option<PathBuf>,
    /// Test ratings, same formats.
    #[arg(long, requires = "train")]
    pub test: Option<PathBuf>,
    /// All ratings, split into `--folds` folds.
    #[arg(long, required_unless_present = "train")]
    pub ratings: Option<PathBuf>,
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Test ratings at or above this count as relevant in the top-N metrics.
    #[arg(long, default_value_t = 4.0)]
    pub relevant: f32,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print one JSON object per run on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Ratings file (u.data, ratings.dat or ratings.csv).
    #[arg(long)]
    pub ratings: PathBuf,
    /// Where to write the model file.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub model: ModelArgs,
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// A model file written by `movierec train`.
    #[arg(long)]
    pub model: PathBuf,
    /// The user's id as it appears in the ratings file.
    #[arg(long)]
    pub user: String,
    /// Ratings file (usually the one the model was trained on): the user's rated items are left
    /// out, and a user the model has not seen is folded in from it.
    #[arg(long)]
    pub ratings: Option<PathBuf>,
    #[arg(short, long, default_value_t = 10)]
    pub n: usize,
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(_args) => anyhow::bail!("serve: not built yet"),
        Command::Eval(args) => crate::offline::eval(args),
        Command::Train(args) => crate::offline::train(args),
        Command::Recommend(args) => crate::offline::recommend(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
