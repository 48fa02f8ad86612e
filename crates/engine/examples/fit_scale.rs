//! Times `fit` of the default model on generated ratings at the ml-32m shape: 87,000 films
//! with power-law popularity, raters with a long-tailed number of ratings (about 32 M in all
//! at the default scale), random half stars. Seeded, so every run trains on the same set.
//!
//!     cargo run --release -p movierec-engine --example fit_scale -- [SCALE]
//!
//! SCALE multiplies the raters (default 1.42: 284,000 raters, 31.8 M ratings).

use std::collections::HashSet;
use std::time::Instant;

use movierec_engine::{DatasetBuilder, Params, Scale, fit};

/// SplitMix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() {
    let scale: f64 = std::env::args()
        .nth(1)
        .map_or(1.42, |v| v.parse().expect("SCALE is a number"));
    let raters = (200_000.0 * scale) as i64;
    let films = 87_000f64;
    let mut rng = Rng(7);
    let mut data = DatasetBuilder::new();
    let mut rated = HashSet::new();
    for rater in 0..raters {
        // A Pareto-like count: most rate a few dozen films, a few thousands.
        let n = (20.0 * (1.0 / (1.0 - rng.unit() * 0.999)).powf(1.1)).min(8000.0) as usize;
        rated.clear();
        for _ in 0..n {
            let film = (films.powf(rng.unit()) - 1.0) as i64;
            if rated.insert(film) {
                data.push(rater, film, 0.5 * (1 + rng.next() % 10) as f32);
            }
        }
    }
    let data = data.build(Scale::MOVIELENS);
    println!("ratings: {}", data.ratings().len());
    let started = Instant::now();
    let model = fit(&data, &Params::hybrid()).expect("training succeeds");
    println!(
        "fit: {:.1} s ({} users, {} films)",
        started.elapsed().as_secs_f64(),
        model.n_users(),
        model.n_items()
    );
}
