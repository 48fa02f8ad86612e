//! Group recommendations on k folds of a ratings file: synthetic groups of three (random, and
//! of similar taste) get five films from [`Model::recommend_group`] under each [`Strategy`]
//! (the scoring the app's movie nights use) and from popularity; each member's held-out
//! ratings say how the films went down. Also times the picks of a group of four against one
//! user's recommendations. `bench/nights.sh` runs it.
//!
//! ```sh
//! cargo run --release -p movierec-engine --example groups -- --ratings u.data \
//!     [--folds 5] [--run N] [--seed 42] [--groups 300]
//! ```
//!
//! `--run N` runs only the first N folds (a quick look); `--groups` counts over the folds run.
//!
//! For each group and list: the held-out ratings members gave the listed films ("hits"), a
//! member's satisfaction is the mean of theirs, the group's mean is over its members with a
//! hit and its minimum the least satisfied of them. Groups without a hit do not count in the
//! means; the hits per group say how often the list named films the members went on to rate.

use std::collections::HashMap;
use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use movierec_engine::{Dataset, Fit, ItemIdx, Model, Params, RatingSet, Strategy, UserIdx, eval};

const LIST: usize = 5;
/// Members need this many held-out ratings to judge a list.
const MIN_HELD_OUT: usize = 5;

/// A small seeded generator (xorshift*), so the groups are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// What one way of picking scored over the groups of one kind.
#[derive(Default, Clone, Copy)]
struct Tally {
    groups: usize,
    judged: usize,
    hits: usize,
    mean: f64,
    min: f64,
}

impl Tally {
    /// Adds one group's list, judged by each member's held-out ratings.
    fn add(
        &mut self,
        list: &[ItemIdx],
        members: &[UserIdx],
        held_out: &HashMap<UserIdx, HashMap<ItemIdx, f32>>,
    ) {
        self.groups += 1;
        let mut satisfaction = Vec::new();
        for member in members {
            let theirs: Vec<f32> = list
                .iter()
                .filter_map(|item| held_out[member].get(item).copied())
                .collect();
            self.hits += theirs.len();
            if !theirs.is_empty() {
                satisfaction.push(theirs.iter().sum::<f32>() as f64 / theirs.len() as f64);
            }
        }
        if !satisfaction.is_empty() {
            self.judged += 1;
            self.mean += satisfaction.iter().sum::<f64>() / satisfaction.len() as f64;
            self.min += satisfaction.iter().copied().fold(f64::INFINITY, f64::min);
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut ratings: Option<PathBuf> = None;
    let (mut folds, mut seed, mut per_kind) = (5usize, 42u64, 300usize);
    let mut run: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--ratings" => ratings = Some(value.into()),
            "--folds" => folds = value.parse()?,
            "--run" => run = Some(value.parse()?),
            "--seed" => seed = value.parse()?,
            "--groups" => per_kind = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let usage = "usage: groups --ratings RATINGS [--folds N] [--run N] [--seed N] [--groups N]";
    // One fold would hold every rating out and leave nothing to train on.
    if folds < 2 {
        return Err(format!("--folds {folds}: give at least 2 (--run 1 runs one of them)").into());
    }
    let run = run.unwrap_or(folds).clamp(1, folds);
    let data = Dataset::load(&ratings.ok_or(usage)?, RatingSet::MovieLens)?;
    let n = data.ratings().len();
    let strategies = [
        (
            "no-misery (default)",
            Strategy::no_misery(data.ratings().scale()),
        ),
        ("least-misery", Strategy::LeastMisery),
        ("average", Strategy::Average),
    ];
    let kinds = ["random triples", "similar-taste triples"];
    // [kind][strategy, then popularity]
    let mut tallies = vec![vec![Tally::default(); strategies.len() + 1]; kinds.len()];
    let (mut group_secs, mut single_secs, mut timed) = (0.0f64, 0.0f64, 0usize);
    let mut rng = Rng(seed | 1);

    for (fold, test_rows) in eval::kfold(n, folds, seed).iter().take(run).enumerate() {
        let train = data.subset(&eval::complement(n, test_rows));
        let test = data.subset(test_rows);
        let started = Instant::now();
        let model = Fit::new(&Params::hybrid()).seed(seed).run(&train)?;
        eprintln!(
            "fold {}: trained in {:.1} s",
            fold + 1,
            started.elapsed().as_secs_f64()
        );
        let rated = |user: UserIdx| -> Vec<(ItemIdx, f32)> {
            let (items, values) = train.ratings().user_ratings(user);
            items.iter().copied().zip(values.iter().copied()).collect()
        };
        let mut held_out: HashMap<UserIdx, HashMap<ItemIdx, f32>> = HashMap::new();
        for e in test.ratings().entries() {
            held_out.entry(e.user).or_default().insert(e.item, e.value);
        }
        let judges: Vec<UserIdx> = held_out
            .iter()
            .filter(|(user, theirs)| theirs.len() >= MIN_HELD_OUT && !rated(**user).is_empty())
            .map(|(&user, _)| user)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let popular = eval::Popularity::new(train.ratings());
        let per_fold = per_kind.div_ceil(run);
        for (kind, tally) in tallies.iter_mut().enumerate() {
            for _ in 0..per_fold {
                let members = if kind == 0 {
                    random_group(&mut rng, &judges, 3)
                } else {
                    similar_group(&mut rng, &judges, &train, 3)
                };
                let mut skip = vec![false; model.n_items()];
                for &member in &members {
                    for (item, _) in rated(member) {
                        skip[item.index()] = true;
                    }
                }
                let users: Vec<_> = members
                    .iter()
                    .map(|&m| model.fold_in(&rated(m), &[]))
                    .collect();
                for (at, (_, strategy)) in strategies.iter().enumerate() {
                    let picks =
                        model.recommend_group(&users, *strategy, LIST, |i| skip[i.index()], |_| 0);
                    let list: Vec<ItemIdx> = picks.iter().map(|p| p.item).collect();
                    tally[at].add(&list, &members, &held_out);
                }
                let list = eval::Ranker::rank(&popular, members[0], LIST, &|i| skip[i.index()]);
                tally[strategies.len()].add(&list, &members, &held_out);
            }
        }
        // A night of four against one user's recommendations page: fold-ins, ranking and
        // reasons, as the app does them for a page of ten picks.
        for _ in 0..per_fold {
            let members = random_group(&mut rng, &judges, 4);
            let started = Instant::now();
            night_of(&model, &members, &rated);
            group_secs += started.elapsed().as_secs_f64();
            let started = Instant::now();
            page_of(&model, members[0], &rated);
            single_secs += started.elapsed().as_secs_f64();
            timed += 1;
        }
    }

    println!(
        "Five picks for groups of three on MovieLens 100k, {run} of {folds} folds (seed {seed}):"
    );
    println!("held-out stars of the members who rated a pick; mean and least satisfied member.\n");
    println!(
        "| groups | picked by | groups judged | hits per group | mean satisfaction | minimum satisfaction |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for (kind, tally) in kinds.iter().zip(&tallies) {
        let names = strategies
            .iter()
            .map(|(name, _)| *name)
            .chain(["popularity"]);
        for (name, t) in names.zip(tally) {
            let judged = t.judged.max(1) as f64;
            println!(
                "| {kind} | {name} | {}/{} | {:.2} | {:.3} | {:.3} |",
                t.judged,
                t.groups,
                t.hits as f64 / t.groups.max(1) as f64,
                t.mean / judged,
                t.min / judged,
            );
        }
    }
    let (group_ms, single_ms) = (
        1e3 * group_secs / timed.max(1) as f64,
        1e3 * single_secs / timed.max(1) as f64,
    );
    println!(
        "\nPicks for a night of 4 (4 fold-ins, {} films scored, 10 picks with 4 reasons each): \
         {group_ms:.2} ms; one user's 10 recommendations with reasons: {single_ms:.2} ms; \
         ratio {:.2} (budget: 4); {timed} of each, no retraining.",
        data.ratings().n_items(),
        group_ms / single_ms.max(1e-9),
    );
    Ok(())
}

/// `size` distinct users of `pool`.
fn random_group(rng: &mut Rng, pool: &[UserIdx], size: usize) -> Vec<UserIdx> {
    let mut members: Vec<UserIdx> = Vec::with_capacity(size);
    while members.len() < size {
        let user = pool[rng.below(pool.len())];
        if !members.contains(&user) {
            members.push(user);
        }
    }
    members
}

/// A random user of `pool` and the `size - 1` others of `pool` whose ratings agree most with
/// theirs (Pearson over at least ten films both rated, shrunk by the count).
fn similar_group(rng: &mut Rng, pool: &[UserIdx], train: &Dataset, size: usize) -> Vec<UserIdx> {
    let first = pool[rng.below(pool.len())];
    let (items, values) = train.ratings().user_ratings(first);
    let mine: HashMap<ItemIdx, f32> = items.iter().copied().zip(values.iter().copied()).collect();
    let mut scored: Vec<(f64, UserIdx)> = pool
        .iter()
        .filter(|&&other| other != first)
        .filter_map(|&other| {
            let (items, values) = train.ratings().user_ratings(other);
            let pairs: Vec<(f64, f64)> = items
                .iter()
                .zip(values)
                .filter_map(|(item, &v)| Some((f64::from(*mine.get(item)?), f64::from(v))))
                .collect();
            if pairs.len() < 10 {
                return None;
            }
            let k = pairs.len() as f64;
            let (ma, mb) = (
                pairs.iter().map(|p| p.0).sum::<f64>() / k,
                pairs.iter().map(|p| p.1).sum::<f64>() / k,
            );
            let cov: f64 = pairs.iter().map(|(a, b)| (a - ma) * (b - mb)).sum();
            let va: f64 = pairs.iter().map(|(a, _)| (a - ma).powi(2)).sum();
            let vb: f64 = pairs.iter().map(|(_, b)| (b - mb).powi(2)).sum();
            let r = cov / (va.sqrt() * vb.sqrt()).max(1e-9);
            Some((r * k / (k + 20.0), other))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut members = vec![first];
    members.extend(scored.iter().take(size - 1).map(|&(_, u)| u));
    if members.len() < size {
        return random_group(rng, pool, size);
    }
    members
}

/// A night's ten picks with every member's reasons, as the app computes them.
fn night_of(model: &Model, members: &[UserIdx], rated: &dyn Fn(UserIdx) -> Vec<(ItemIdx, f32)>) {
    let tastes: Vec<Vec<(ItemIdx, f32)>> = members.iter().map(|&m| rated(m)).collect();
    let users: Vec<_> = tastes.iter().map(|t| model.fold_in(t, &[])).collect();
    let mut skip = vec![false; model.n_items()];
    for (item, _) in tastes.iter().flatten() {
        skip[item.index()] = true;
    }
    let strategy = Strategy::no_misery(model.scale());
    let picks = model.recommend_group(&users, strategy, 10, |i| skip[i.index()], |_| 0);
    let items: Vec<ItemIdx> = picks.iter().map(|p| p.item).collect();
    for user in &users {
        std::hint::black_box(model.explain(user, &items));
    }
}

/// One user's ten recommendations with their reasons, as the app computes them.
fn page_of(model: &Model, member: UserIdx, rated: &dyn Fn(UserIdx) -> Vec<(ItemIdx, f32)>) {
    let taste = rated(member);
    let user = model.fold_in(&taste, &[]);
    let mut skip = vec![false; model.n_items()];
    for (item, _) in &taste {
        skip[item.index()] = true;
    }
    let picks = model.recommend(&user, 10, |i| skip[i.index()]);
    let items: Vec<ItemIdx> = picks.iter().map(|p| p.item()).collect();
    std::hint::black_box(model.explain(&user, &items));
}
