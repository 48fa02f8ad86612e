//! `movierec eval`: accuracy and top-N quality on a train/test split or by k-fold
//! cross-validation, as a table or one JSON object per run.

use std::io::Write;
use std::time::Instant;

use anyhow::bail;
use movierec_engine::eval::{self, Popularity, TopN};
use movierec_engine::{Dataset, Fit, ImplicitParams, Params};
use serde::Serialize;

use super::inputs;
use super::options::EvalOptions;
use super::progress::EpochBar;
use crate::services::training::RunOptions;

/// Top-N list length of the evaluation metrics.
const TOP_N: usize = 10;

/// What is evaluated: a trained model (a rating model, or the hybrid of a rating model and the
/// implicit-feedback model), the implicit-feedback model alone, or the popularity ranker. The
/// last two predict no ratings.
enum Subject {
    Model(Params, RunOptions),
    Implicit(ImplicitParams, RunOptions),
    Popularity,
}

impl Subject {
    fn name(&self) -> &'static str {
        match self {
            Subject::Model(params, _) if params.implicit.is_some() => "hybrid",
            Subject::Model(params, _) => params.algorithm.name(),
            Subject::Implicit(..) => "ials",
            Subject::Popularity => "popularity",
        }
    }
}

/// The parameters a run prints: the model's, with the seed and threads it ran with.
#[derive(Serialize)]
struct ParamsJson<'a> {
    #[serde(flatten)]
    params: ParamsOf<'a>,
    seed: Option<u64>,
    threads: Option<usize>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ParamsOf<'a> {
    Model(&'a Params),
    Implicit(&'a ImplicitParams),
}

struct Run {
    fold: Option<usize>,
    /// `None` for a ranker that predicts no ratings.
    rmse: Option<f64>,
    mae: Option<f64>,
    fit_seconds: f64,
    top: TopN,
    /// The hybrid's blend weight as tuned in training.
    blend: Option<f32>,
    n_train: usize,
    n_test: usize,
}

fn evaluate(
    subject: &Subject,
    train: &Dataset,
    test: &Dataset,
    relevant: f32,
    fold: Option<usize>,
) -> anyhow::Result<Run> {
    let started = Instant::now();
    let label = match fold {
        Some(f) => format!("fold {}", f + 1),
        None => "train".to_owned(),
    };
    let mut blend = None;
    let (accuracy, fit_seconds, top) = match subject {
        Subject::Model(params, run) => {
            let model = {
                let bar = EpochBar::new(params.epochs, label);
                run.apply(Fit::new(params)).progress(&bar).run(train)?
            };
            let fit_seconds = started.elapsed().as_secs_f64();
            blend = model.implicit().map(|_| model.blend());
            // The hybrid ranks by the blend; the RMSE is of the rating model's predictions,
            // the stars the app shows beside each pick.
            let top = eval::top_n_metrics(&model, train.ratings(), test.ratings(), TOP_N, relevant);
            (
                Some(eval::accuracy(&model, test.ratings())),
                fit_seconds,
                top,
            )
        }
        Subject::Implicit(params, run) => {
            let model = {
                let bar = EpochBar::new(params.epochs, label);
                let mut fit = Fit::new(params).progress(&bar);
                if let Some(seed) = run.seed {
                    fit = fit.seed(seed);
                }
                if let Some(threads) = run.threads {
                    fit = fit.threads(threads);
                }
                fit.run(train)?
            };
            let fit_seconds = started.elapsed().as_secs_f64();
            let top = eval::top_n_metrics(&model, train.ratings(), test.ratings(), TOP_N, relevant);
            (None, fit_seconds, top)
        }
        Subject::Popularity => {
            let ranker = Popularity::new(train.ratings());
            let fit_seconds = started.elapsed().as_secs_f64();
            let top =
                eval::top_n_metrics(&ranker, train.ratings(), test.ratings(), TOP_N, relevant);
            (None, fit_seconds, top)
        }
    };
    Ok(Run {
        fold,
        rmse: accuracy.map(|a| a.0),
        mae: accuracy.map(|a| a.1),
        fit_seconds,
        top,
        blend,
        n_train: train.ratings().len(),
        n_test: test.ratings().len(),
    })
}

pub fn run(args: EvalOptions) -> anyhow::Result<()> {
    let subject = match inputs::fit_of(&args.model) {
        inputs::Fit::Model(params, run) => Subject::Model(params, run),
        inputs::Fit::Implicit(params, run) => Subject::Implicit(params, run),
        inputs::Fit::Popularity => Subject::Popularity,
    };
    let mut runs = Vec::new();
    match (&args.train, &args.test, &args.ratings) {
        (Some(train), Some(test), _) => {
            let train = inputs::load(train)?;
            let test = train.align(&inputs::load(test)?);
            let run = evaluate(&subject, &train, &test, args.relevant, None)?;
            print_run(&args, &subject, &run, None)?;
            runs.push(run);
        }
        (_, _, Some(path)) => {
            if args.folds < 2 {
                bail!("--folds must be at least 2, got {}", args.folds);
            }
            let data = inputs::load(path)?;
            let n = data.ratings().len();
            if n < args.folds {
                bail!(
                    "{}: {n} ratings cannot be split into {} folds",
                    path.display(),
                    args.folds
                );
            }
            for (f, test_rows) in eval::kfold(n, args.folds, args.model.seed)
                .iter()
                .enumerate()
            {
                let train = data.subset(&eval::complement(n, test_rows));
                let test = data.subset(test_rows);
                let run = evaluate(&subject, &train, &test, args.relevant, Some(f))?;
                print_run(&args, &subject, &run, Some(args.folds))?;
                runs.push(run);
            }
        }
        _ => bail!("give --train and --test, or --ratings"),
    }
    if !args.json && runs.len() > 1 {
        print_means(&runs)?;
    }
    Ok(())
}

/// A table cell of a figure that a ranker may not have.
fn cell(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("{x:.4}"))
}

fn print_row(out: &mut impl Write, label: &str, r: &Run) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>6} {:>7} {:>7} {:>8.3} {:>7.4} {:>7.4} {:>7.4}",
        label,
        cell(r.rmse),
        cell(r.mae),
        r.fit_seconds,
        r.top.precision,
        r.top.recall,
        r.top.ndcg
    )
}

fn print_means(runs: &[Run]) -> anyhow::Result<()> {
    let n = runs.len() as f64;
    let mean = |f: fn(&Run) -> f64| runs.iter().map(f).sum::<f64>() / n;
    let mean_of = |f: fn(&Run) -> Option<f64>| {
        runs.iter()
            .map(f)
            .sum::<Option<f64>>()
            .map(|total| total / n)
    };
    let means = Run {
        fold: None,
        rmse: mean_of(|r| r.rmse),
        mae: mean_of(|r| r.mae),
        fit_seconds: mean(|r| r.fit_seconds),
        top: TopN {
            precision: mean(|r| r.top.precision),
            recall: mean(|r| r.top.recall),
            ndcg: mean(|r| r.top.ndcg),
            users: 0,
        },
        blend: None,
        n_train: 0,
        n_test: 0,
    };
    print_row(&mut std::io::stdout().lock(), "mean", &means)?;
    Ok(())
}

/// One run as `--json` prints it.
#[derive(Serialize)]
struct RunJson<'a> {
    model: &'static str,
    /// 1-based; `null` for a train/test split.
    fold: Option<usize>,
    folds: Option<usize>,
    rmse: Option<f64>,
    mae: Option<f64>,
    fit_seconds: f64,
    precision_at_10: f64,
    recall_at_10: f64,
    ndcg_at_10: f64,
    n_train: usize,
    n_test: usize,
    /// The hybrid's blend weight as tuned in training; `null` for other models.
    blend: Option<f32>,
    /// `null` for the popularity ranker, which has none.
    params: Option<ParamsJson<'a>>,
}

fn print_run(
    args: &EvalOptions,
    subject: &Subject,
    run: &Run,
    folds: Option<usize>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let params = match subject {
        Subject::Model(params, run) => Some((ParamsOf::Model(params), run)),
        Subject::Implicit(params, run) => Some((ParamsOf::Implicit(params), run)),
        Subject::Popularity => None,
    }
    .map(|(params, run)| ParamsJson {
        params,
        seed: run.seed,
        threads: run.threads,
    });
    if args.json {
        let line = RunJson {
            model: subject.name(),
            fold: run.fold.map(|f| f + 1),
            folds,
            rmse: run.rmse,
            mae: run.mae,
            fit_seconds: run.fit_seconds,
            precision_at_10: run.top.precision,
            recall_at_10: run.top.recall,
            ndcg_at_10: run.top.ndcg,
            n_train: run.n_train,
            n_test: run.n_test,
            blend: run.blend,
            params,
        };
        // Straight to text: through `serde_json::Value` the f32 parameters would widen to f64
        // and print as 0.029999999329447746 rather than 0.03.
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
        return Ok(());
    }
    if run.fold.is_none_or(|f| f == 0) {
        match params {
            Some(ParamsJson {
                params: ParamsOf::Model(p),
                ..
            }) => writeln!(
                out,
                "model {} (factors {}, epochs {}, lr {}, reg {}, seed {})",
                subject.name(),
                p.factors,
                p.epochs,
                p.lr,
                p.reg,
                args.model.seed
            )?,
            Some(ParamsJson {
                params: ParamsOf::Implicit(p),
                ..
            }) => writeln!(
                out,
                "model ials (factors {}, epochs {}, reg {}, unobserved weight {}, seed {}; \
                 a ranker, it predicts no ratings)",
                p.factors, p.epochs, p.reg, p.unobserved_weight, args.model.seed
            )?,
            None => writeln!(
                out,
                "model popularity (most-rated first; a ranker, it predicts no ratings)"
            )?,
        }
        writeln!(
            out,
            "{:>6} {:>7} {:>7} {:>8} {:>7} {:>7} {:>7}",
            "fold", "rmse", "mae", "fit s", "p@10", "r@10", "ndcg@10"
        )?;
    }
    let fold = run.fold.map_or("-".to_owned(), |f| (f + 1).to_string());
    print_row(&mut out, &fold, run)?;
    Ok(())
}
