//! File-based commands: `eval`, `train --ratings`, `recommend --model`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mf::eval::{self, Popularity, Ranker, TopN};
use mf::{Algorithm, Dataset, EpochReport, Model, Params, Progress};
use serde_json::json;

mod options;

pub use options::{EvalOptions, ModelKind, ModelOptions, RecommendOptions, TrainOptions};

/// Top-N list length of the evaluation metrics.
const TOP_N: usize = 10;

fn load(path: &Path) -> anyhow::Result<Dataset> {
    Ok(Dataset::load(path)?)
}

fn params(args: &ModelOptions) -> Params {
    let algorithm = match args.model {
        ModelKind::Baseline | ModelKind::Popularity => Algorithm::Baseline,
        ModelKind::Sgd => Algorithm::Sgd,
        ModelKind::Als => Algorithm::Als,
    };
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

fn kind_name(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Baseline => "baseline",
        ModelKind::Sgd => "sgd",
        ModelKind::Als => "als",
        ModelKind::Popularity => "popularity",
    }
}

/// An epoch progress bar on stderr; indicatif hides it when stderr is not a terminal.
struct Bar(ProgressBar);

impl Bar {
    fn new(epochs: usize, label: String) -> Self {
        let bar = ProgressBar::with_draw_target(Some(epochs as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} epochs {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(label);
        Self(bar)
    }
}

impl Progress for Bar {
    fn on_epoch(&self, r: &EpochReport) {
        self.0.set_position(r.epoch as u64);
        let msg = match r.valid_rmse {
            Some(v) => format!("train rmse {:.4}, valid rmse {v:.4}", r.train_rmse),
            None => format!("train rmse {:.4}", r.train_rmse),
        };
        self.0.set_message(msg);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

struct Run {
    fold: Option<usize>,
    rmse: f64,
    mae: f64,
    fit_seconds: f64,
    top: TopN,
    n_train: usize,
    n_test: usize,
}

fn evaluate(
    kind: ModelKind,
    params: &Params,
    train: &Dataset,
    test: &Dataset,
    relevant: f32,
    fold: Option<usize>,
) -> Run {
    let label = match fold {
        Some(f) => format!("fold {}", f + 1),
        None => "train".to_owned(),
    };
    let bar = Bar::new(params.epochs, label);
    let started = Instant::now();
    let model = mf::fit(train, params, None, &bar);
    let popularity = (kind == ModelKind::Popularity).then(|| Popularity::new(&train.ratings));
    let fit_seconds = started.elapsed().as_secs_f64();
    drop(bar);
    let (rmse, mae) = eval::accuracy(&model, &test.ratings);
    let ranker: &dyn Ranker = match &popularity {
        Some(p) => p,
        None => &model,
    };
    let top = eval::top_n_metrics(ranker, &train.ratings, &test.ratings, TOP_N, relevant);
    Run {
        fold,
        rmse,
        mae,
        fit_seconds,
        top,
        n_train: train.ratings.len(),
        n_test: test.ratings.len(),
    }
}

pub fn eval(args: EvalOptions) -> anyhow::Result<()> {
    let kind = args.model.model;
    let params = params(&args.model);
    let mut runs = Vec::new();
    match (&args.train, &args.test, &args.ratings) {
        (Some(train), Some(test), _) => {
            let train = load(train)?;
            let test = train.align(&load(test)?);
            let run = evaluate(kind, &params, &train, &test, args.relevant, None);
            print_run(&args, &params, &run, None)?;
            runs.push(run);
        }
        (_, _, Some(path)) => {
            if args.folds < 2 {
                bail!("--folds must be at least 2, got {}", args.folds);
            }
            let data = load(path)?;
            let n = data.ratings.len();
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
                let run = evaluate(kind, &params, &train, &test, args.relevant, Some(f));
                print_run(&args, &params, &run, Some(args.folds))?;
                runs.push(run);
            }
        }
        _ => bail!("give --train and --test, or --ratings"),
    }
    if !args.json && runs.len() > 1 {
        let n = runs.len() as f64;
        let mean = |f: fn(&Run) -> f64| runs.iter().map(f).sum::<f64>() / n;
        println!(
            "{:>6} {:>7.4} {:>7.4} {:>8.3} {:>7.4} {:>7.4} {:>7.4}",
            "mean",
            mean(|r| r.rmse),
            mean(|r| r.mae),
            mean(|r| r.fit_seconds),
            mean(|r| r.top.precision),
            mean(|r| r.top.recall),
            mean(|r| r.top.ndcg),
        );
    }
    Ok(())
}

/// An `f32` as the `f64` with the same shortest decimal form, so 0.03 prints as 0.03 rather
/// than 0.029999999329447746.
fn shortest(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

fn print_run(
    args: &EvalOptions,
    params: &Params,
    run: &Run,
    folds: Option<usize>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if args.json {
        let obj = json!({
            "model": kind_name(args.model.model),
            "fold": run.fold.map(|f| f + 1),
            "folds": folds,
            "rmse": run.rmse,
            "mae": run.mae,
            "fit_seconds": run.fit_seconds,
            "precision_at_10": run.top.precision,
            "recall_at_10": run.top.recall,
            "ndcg_at_10": run.top.ndcg,
            "n_train": run.n_train,
            "n_test": run.n_test,
            "params": {
                "factors": params.factors,
                "epochs": params.epochs,
                "lr": shortest(params.lr),
                "reg": shortest(params.reg),
                "reg_bias": shortest(params.reg_bias),
                "popularity_weight": shortest(params.popularity_weight),
                "seed": params.seed,
                "threads": params.threads,
            },
        });
        writeln!(out, "{obj}")?;
    } else {
        if run.fold.is_none_or(|f| f == 0) {
            writeln!(
                out,
                "model {} (factors {}, epochs {}, lr {}, reg {}, seed {})",
                kind_name(args.model.model),
                params.factors,
                params.epochs,
                params.lr,
                params.reg,
                params.seed
            )?;
            writeln!(
                out,
                "{:>6} {:>7} {:>7} {:>8} {:>7} {:>7} {:>7}",
                "fold", "rmse", "mae", "fit s", "p@10", "r@10", "ndcg@10"
            )?;
        }
        let fold = run.fold.map_or("-".to_owned(), |f| (f + 1).to_string());
        writeln!(
            out,
            "{:>6} {:>7.4} {:>7.4} {:>8.3} {:>7.4} {:>7.4} {:>7.4}",
            fold,
            run.rmse,
            run.mae,
            run.fit_seconds,
            run.top.precision,
            run.top.recall,
            run.top.ndcg
        )?;
    }
    Ok(())
}

pub fn train(args: TrainOptions) -> anyhow::Result<()> {
    if args.model.model == ModelKind::Popularity {
        bail!("--model popularity is for eval only; train baseline, sgd or als");
    }
    let params = params(&args.model);
    match (&args.ratings, &args.out, &args.database_url) {
        (Some(ratings), Some(out), None) => train_file(ratings, out, &params),
        (None, None, Some(url)) => train_database(url, params),
        _ => bail!("give either --ratings and --out, or --database-url"),
    }
}

fn train_file(ratings: &Path, out: &Path, params: &Params) -> anyhow::Result<()> {
    let data = load(ratings)?;
    let started = Instant::now();
    let model = {
        let bar = Bar::new(params.epochs, "train".into());
        mf::fit(&data, params, None, &bar)
    };
    let seconds = started.elapsed().as_secs_f64();
    let file = File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    model
        .save(BufWriter::new(file))
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "trained {} on {} ratings ({} users, {} items) in {seconds:.2} s; wrote {}",
        params.algorithm.name(),
        data.ratings.len(),
        data.users.len(),
        data.items.len(),
        out.display()
    );
    Ok(())
}

/// Trains on the app's database and stores the model there, as the server's job does.
fn train_database(url: &str, params: Params) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let pool = crate::store::connect(url).await?;
        let bar = Bar::new(params.epochs, "train".into());
        let trained = crate::jobs::training::train_and_store(&pool, params.clone(), bar).await;
        pool.close().await;
        let trained = trained?;
        let rmse = trained
            .holdout_rmse
            .map_or_else(|| "n/a".to_owned(), |r| format!("{r:.4}"));
        eprintln!(
            "trained {} on {} ratings ({} users, {} items) in {:.2} s; held-out RMSE {rmse}; \
             stored as model version {}",
            params.algorithm.name(),
            trained.n_ratings,
            trained.model.n_users(),
            trained.model.n_items(),
            trained.fit_seconds,
            trained.version
        );
        Ok(())
    })
}

pub fn recommend(args: RecommendOptions) -> anyhow::Result<()> {
    let file =
        File::open(&args.model).with_context(|| format!("cannot open {}", args.model.display()))?;
    let model = Model::load(BufReader::new(file))
        .with_context(|| format!("cannot load {}", args.model.display()))?;
    let ratings = args.ratings.as_deref().map(load).transpose()?;
    // The user's ratings from the file, as model item indices.
    let rated: Vec<(u32, f32)> = match &ratings {
        Some(data) => match data.users.get(&args.user) {
            Some(u) => {
                let (items, values) = data.ratings.user_ratings(u);
                items
                    .iter()
                    .zip(values)
                    .filter_map(|(&i, &r)| model.items.get(data.items.ext(i)).map(|m| (m, r)))
                    .collect()
            }
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    let uv = match model.users.get(&args.user) {
        Some(u) => model.user_vector(u),
        None if !rated.is_empty() => model.fold_in(&rated),
        None => bail!(
            "user {:?} is not in the model ({} users){}",
            args.user,
            model.users.len(),
            if args.ratings.is_some() {
                " nor has ratings of known items in the ratings file"
            } else {
                ""
            }
        ),
    };
    let mut seen: Vec<u32> = rated.iter().map(|&(i, _)| i).collect();
    seen.sort_unstable();
    let top = model.top_n(&uv, args.n, |i| {
        model.item_counts[i as usize] == 0 || seen.binary_search(&i).is_ok()
    });
    let mut out = std::io::stdout().lock();
    for (i, r) in top {
        writeln!(out, "{}\t{r:.2}", model.items.ext(i))?;
    }
    Ok(())
}
