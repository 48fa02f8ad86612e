//! What the commands read: ratings files, and the model flags as engine parameters.

use std::path::Path;

use movierec_engine::{Algorithm, Dataset, ImplicitParams, Params, RatingSet};

use super::options::{ImplicitOptions, ModelKind, ModelOptions};
use crate::services::training::RunOptions;

/// Reads a MovieLens-style ratings file.
pub fn load(path: &Path) -> anyhow::Result<Dataset> {
    Ok(Dataset::load(path, RatingSet::MovieLens)?)
}

/// What a model kind trains, and how the training runs.
pub enum Fit {
    /// A rating model, with an implicit-feedback model beside it for the hybrid.
    Model(Params, RunOptions),
    /// The implicit-feedback model alone (its search budget unused).
    Implicit(ImplicitParams, RunOptions),
    /// Nothing: the popularity ranker.
    Popularity,
}

/// The documented defaults of the model kind with the flags given applied.
pub fn fit_of(args: &ModelOptions) -> Fit {
    let mut run = RunOptions {
        seed: Some(args.seed),
        threads: Some(args.threads),
        search_seconds: None,
    };
    let algorithm = match args.model {
        ModelKind::Hybrid => {
            let mut p = params(Algorithm::Sgd, args);
            p.implicit = Some(implicit(&args.implicit));
            p.blend = args.blend;
            // Values given are kept: the search would move them.
            let pinned = [
                args.implicit.factors.is_some(),
                args.implicit.reg.is_some(),
                args.implicit.unobserved_weight.is_some(),
            ];
            run.search_seconds = match args.search_seconds {
                Some(seconds) => Some(seconds),
                None if pinned.contains(&true) => Some(0.0),
                // The engine's budget.
                None => None,
            };
            return Fit::Model(p, run);
        }
        ModelKind::Ials => {
            let mut p = implicit(&args.implicit);
            p.factors = args.factors.unwrap_or(p.factors);
            p.epochs = args.epochs.unwrap_or(p.epochs);
            p.reg = args.reg.unwrap_or(p.reg);
            return Fit::Implicit(p, run);
        }
        ModelKind::Baseline => Algorithm::Baseline,
        ModelKind::Sgd => Algorithm::Sgd,
        ModelKind::Als => Algorithm::Als,
        ModelKind::Popularity => return Fit::Popularity,
    };
    Fit::Model(params(algorithm, args), run)
}

/// The implicit-feedback model's defaults with the flags given applied.
fn implicit(args: &ImplicitOptions) -> ImplicitParams {
    let mut p = ImplicitParams::default();
    p.factors = args.factors.unwrap_or(p.factors);
    p.epochs = args.epochs.unwrap_or(p.epochs);
    p.reg = args.reg.unwrap_or(p.reg);
    p.reg_exponent = args.reg_exponent.unwrap_or(p.reg_exponent);
    p.unobserved_weight = args.unobserved_weight.unwrap_or(p.unobserved_weight);
    p.alpha = args.alpha.unwrap_or(p.alpha);
    p.rating_weight = args.rating_weight.unwrap_or(p.rating_weight);
    p.cg_steps = args.cg_steps.unwrap_or(p.cg_steps);
    p
}

/// The algorithm's documented defaults with the flags given applied.
fn params(algorithm: Algorithm, args: &ModelOptions) -> Params {
    let mut p = Params::default_for(algorithm);
    p.factors = args.factors.unwrap_or(p.factors);
    p.epochs = args.epochs.unwrap_or(p.epochs);
    p.lr = args.lr.unwrap_or(p.lr);
    p.reg = args.reg.unwrap_or(p.reg);
    p.reg_bias = args.reg_bias.unwrap_or(p.reg_bias);
    p.popularity_weight = args.popularity_weight.unwrap_or(p.popularity_weight);
    p
}
