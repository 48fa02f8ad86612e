//! Training epochs on a data set of MovieLens-100k size, fold-in, and top-N over catalogues of
//! about 3,000 and 10,000 items.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use movierec_engine::{Algorithm, Dataset, Fit, ItemIdx, Params, UserIdx, fit};

/// 943 users x 1682 items, about 100,000 ratings, like ML-100k.
fn ml100k_sized() -> Dataset {
    common::synthetic(943, 1682, 0.063, 1)
}

fn epochs(c: &mut Criterion) {
    let data = ml100k_sized();
    let mut g = c.benchmark_group("one epoch, 100k ratings");
    g.sample_size(20);
    for alg in [Algorithm::Sgd, Algorithm::Als] {
        // 0 = all cores; 1 shows what the parallel schedule gains.
        for threads in [0, 1] {
            let p = Params::default_for(alg).with_epochs(1);
            let label = if threads == 0 {
                "all cores"
            } else {
                "1 thread"
            };
            g.bench_function(format!("{}, {label}", alg.name()), |b| {
                b.iter(|| Fit::new(&p).threads(threads).run(black_box(&data)).unwrap())
            });
        }
    }
    g.finish();
}

fn fold_in(c: &mut Criterion) {
    let data = ml100k_sized();
    let (items, values) = data.ratings().user_ratings(UserIdx::new(0));
    let ratings: Vec<(ItemIdx, f32)> = items.iter().copied().zip(values.iter().copied()).collect();
    for k in [50, 100] {
        let p = Params::default().with_factors(k).with_epochs(1);
        let model = fit(&data, &p).unwrap();
        c.bench_function(&format!("fold-in, k={k}, {} ratings", ratings.len()), |b| {
            b.iter(|| model.fold_in(black_box(&ratings), &[]))
        });
    }
}

fn top_n(c: &mut Criterion) {
    for (users, items) in [(300, 3000), (300, 10_000)] {
        let data = common::synthetic(users, items, 0.05, 2);
        let p = Params::default().with_epochs(1);
        let model = fit(&data, &p).unwrap();
        let user = model.user(UserIdx::new(0));
        let (rated, _) = data.ratings().user_ratings(UserIdx::new(0));
        let mut rated = rated.to_vec();
        rated.sort_unstable();
        c.bench_function(
            &format!("top-10 of {items} items, k={}", model.n_factors()),
            |b| {
                b.iter(|| {
                    model.recommend(black_box(&user), 10, |i| rated.binary_search(&i).is_ok())
                })
            },
        );
    }
}

criterion_group!(benches, epochs, fold_in, top_n);
criterion_main!(benches);
