//! What the commands read: ratings files, and the model flags as engine parameters.

use std::path::Path;

use movierec_engine::{Algorithm, Dataset, Params, RatingSet};

use super::options::{ModelKind, ModelOptions};

/// Reads a MovieLens-style ratings file.
pub fn load(path: &Path) -> anyhow::Result<Dataset> {
    Ok(Dataset::load(path, RatingSet::MovieLens)?)
}

/// The engine's algorithm behind a model kind; `None` for the popularity ranker, which is not
/// trained.
pub fn algorithm(kind: ModelKind) -> Option<Algorithm> {
    match kind {
        ModelKind::Baseline => Some(Algorithm::Baseline),
        ModelKind::Sgd => Some(Algorithm::Sgd),
        ModelKind::Als => Some(Algorithm::Als),
        ModelKind::Popularity => None,
    }
}

/// The algorithm's documented defaults with the flags given applied.
pub fn params(algorithm: Algorithm, args: &ModelOptions) -> Params {
    let mut p = Params::default_for(algorithm);
    p.factors = args.factors.unwrap_or(p.factors);
    p.epochs = args.epochs.unwrap_or(p.epochs);
    p.lr = args.lr.unwrap_or(p.lr);
    p.reg = args.reg.unwrap_or(p.reg);
    p.reg_bias = args.reg_bias.unwrap_or(p.reg_bias);
    p.popularity_weight = args.popularity_weight.unwrap_or(p.popularity_weight);
    p.seed = args.seed;
    p.threads = args.threads;
    p
}
