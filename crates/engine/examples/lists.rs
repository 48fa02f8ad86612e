//! Trains the default model on a ratings file and answers queries with what a visitor of the
//! app would see: recommendations for a user given by their ratings (folded in, as a new user
//! is) with the liked film behind each pick, and similar-film lists. One JSON line in, one out,
//! in order; the training time goes to stderr. `bench/taste.py` drives it.
//!
//! ```sh
//! cargo run --release -p movierec-engine --example lists -- --train RATINGS \
//!     [--features FEATURES] --queries QUERIES.jsonl [--seed 42]
//! ```
//!
//! `RATINGS` is read like `movierec eval` reads it (`u.data`: user, item, rating, timestamp,
//! tab-separated). `FEATURES` has one film a line: its id, then its features (`genre:Animation`,
//! `decade:1990`), tab-separated; with it the model gets the catalog (`Model::with_catalog`) and
//! similar lists blend in content. Queries:
//!
//! ```text
//! {"id": "a", "kind": "recommend", "n": 20, "ratings": [["1", 5.0], ["50", 1.0]]}
//!   -> {"id": "a", "items": ["…"], "predicted": [4.2, …], "reasons": ["1", null, …]}
//! {"id": "b", "kind": "similar", "item": "50", "n": 10}
//!   -> {"id": "b", "items": ["…"]}
//! ```
//!
//! Items the model does not know are ignored in ratings; an unknown film has no similar films.

use std::error::Error;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use movierec_engine::{Dataset, Fit, ItemIdx, Model, Params, RatingSet, Reason};
use serde_json::{Value, json};

/// Films with their features, as `Model::with_catalog` takes them.
type Catalog = Vec<(String, Vec<String>)>;

fn main() -> Result<(), Box<dyn Error>> {
    let mut train: Option<PathBuf> = None;
    let mut features: Option<PathBuf> = None;
    let mut queries: Option<PathBuf> = None;
    let mut seed: u64 = 42;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--train" => train = Some(value.into()),
            "--features" => features = Some(value.into()),
            "--queries" => queries = Some(value.into()),
            "--seed" => seed = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let usage = "usage: lists --train RATINGS [--features FILE] --queries FILE [--seed N]";
    let data = Dataset::load(&train.ok_or(usage)?, RatingSet::MovieLens)?;
    let catalog = features.map(read_features).transpose()?;
    let queries = std::fs::File::open(queries.ok_or(usage)?)?;

    let started = Instant::now();
    let model = fit_model(&data, seed, catalog.as_deref())?;
    eprintln!("trained in {:.3} s", started.elapsed().as_secs_f64());

    let mut out = BufWriter::new(std::io::stdout().lock());
    for (line_no, line) in std::io::BufReader::new(queries).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let query: Value = serde_json::from_str(&line)?;
        let answer =
            answer(&model, &query).map_err(|e| format!("query on line {}: {e}", line_no + 1))?;
        serde_json::to_writer(&mut out, &answer)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

/// One query's answer, or what is wrong with the query.
fn answer(model: &Model, query: &Value) -> Result<Value, String> {
    let id = query.get("id").cloned().unwrap_or(Value::Null);
    let n = query.get("n").and_then(Value::as_u64).ok_or("no \"n\"")? as usize;
    let name = |item: ItemIdx| model.items().ext(item).to_owned();
    match query.get("kind").and_then(Value::as_str) {
        Some("recommend") => {
            let ratings = query
                .get("ratings")
                .and_then(Value::as_array)
                .ok_or("no \"ratings\"")?
                .iter()
                .map(|pair| {
                    let item = pair.get(0).and_then(Value::as_str);
                    let stars = pair.get(1).and_then(Value::as_f64);
                    match (item, stars) {
                        (Some(item), Some(stars)) => Ok((item, stars as f32)),
                        _ => Err(format!("a rating is not [\"item\", stars]: {pair}")),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            let known: Vec<(ItemIdx, f32)> = ratings
                .iter()
                .filter_map(|&(item, stars)| Some((model.items().get(item)?, stars)))
                .collect();
            let picks = recommend(model, &known, n);
            // The stars a movie page would show for other films, if asked.
            let to_predict = query.get("predict").and_then(Value::as_array);
            let folded = model.fold_in(&known, &[]);
            let predictions: Vec<Option<f32>> = to_predict
                .into_iter()
                .flatten()
                .map(|item| {
                    let item = model.items().get(item.as_str()?)?;
                    Some(model.predict(&folded, item))
                })
                .collect();
            Ok(json!({
                "id": id,
                "items": picks.iter().map(|p| name(p.0)).collect::<Vec<_>>(),
                "predicted": picks.iter().map(|p| p.1).collect::<Vec<_>>(),
                "reasons": picks.iter().map(|p| p.2.map(name)).collect::<Vec<_>>(),
                "predictions": predictions,
            }))
        }
        Some("similar") => {
            let item = query
                .get("item")
                .and_then(Value::as_str)
                .ok_or("no \"item\"")?;
            let items = model
                .items()
                .get(item)
                .map(|item| similar(model, item, n))
                .unwrap_or_default();
            Ok(json!({"id": id, "items": items.into_iter().map(name).collect::<Vec<_>>()}))
        }
        other => Err(format!("unknown kind {other:?}")),
    }
}

/// The model the app trains by default, with the catalog's films when there are features.
fn fit_model(
    data: &Dataset,
    seed: u64,
    catalog: Option<&[(String, Vec<String>)]>,
) -> Result<Model, Box<dyn Error>> {
    let model = Fit::new(&Params::hybrid()).seed(seed).run(data)?;
    Ok(match catalog {
        Some(catalog) => model.with_catalog(catalog),
        None => model,
    })
}

/// The user's `n` picks (their rated films excluded), each with its predicted rating and the
/// liked film the engine names as its reason (`None` when the pick follows the taste as a
/// whole), as the app shows them.
fn recommend(
    model: &Model,
    rated: &[(ItemIdx, f32)],
    n: usize,
) -> Vec<(ItemIdx, f32, Option<ItemIdx>)> {
    let user = model.fold_in(rated, &[]);
    let mut skip = vec![false; model.n_items()];
    for &(item, _) in rated {
        skip[item.index()] = true;
    }
    let picks = model.recommend(&user, n, |item| skip[item.index()]);
    let items: Vec<ItemIdx> = picks.iter().map(|pick| pick.item()).collect();
    picks
        .into_iter()
        .zip(model.explain(&user, &items))
        .map(|(pick, reason)| {
            let film = match reason {
                Reason::Because { item, .. } => Some(item),
                _ => None,
            };
            (pick.item(), pick.predicted(), film)
        })
        .collect()
}

/// The `n` films most similar to `item`, as the app lists them.
fn similar(model: &Model, item: ItemIdx, n: usize) -> Vec<ItemIdx> {
    model
        .similar_items(item, n, |_| false)
        .into_iter()
        .map(|(other, _)| other)
        .collect()
}

/// `id<TAB>feature<TAB>feature…` per line.
fn read_features(path: PathBuf) -> Result<Catalog, Box<dyn Error>> {
    let text = std::fs::read_to_string(&path)?;
    Ok(text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split('\t').map(str::to_owned);
            let id = fields.next().unwrap_or_default();
            (id, fields.filter(|f| !f.is_empty()).collect())
        })
        .collect())
}
