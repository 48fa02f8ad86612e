//! A generated rating set with a known low-rank structure, so tests need no downloads.

#![allow(dead_code)] // each test binary uses a different part

use movierec_engine::{Dataset, Scale};

/// SplitMix64, so generated data is the same everywhere.
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    pub fn normal(&mut self) -> f32 {
        let (a, b) = (1.0 - self.unit(), self.unit());
        (-2.0 * a.ln()).sqrt() * (std::f32::consts::TAU * b).cos()
    }
}

/// `users` x `items` ratings from a rank-3 model plus biases and noise, rounded to whole stars on
/// 1–5; each user rates a random `density` share of the items, and popular items (low index)
/// are rated more often.
pub fn synthetic(users: usize, items: usize, density: f32, seed: u64) -> Dataset {
    let mut g = Gen::new(seed);
    let k = 3;
    let uf: Vec<f32> = (0..users * k).map(|_| g.normal() * 0.6).collect();
    let itf: Vec<f32> = (0..items * k).map(|_| g.normal() * 0.6).collect();
    let ub: Vec<f32> = (0..users).map(|_| g.normal() * 0.3).collect();
    let ib: Vec<f32> = (0..items).map(|_| g.normal() * 0.4).collect();
    let mut records = Vec::new();
    for u in 0..users {
        for i in 0..items {
            let popularity = 2.0 * (1.0 - i as f32 / items as f32);
            if g.unit() < density * popularity {
                let dot: f32 = (0..k).map(|f| uf[u * k + f] * itf[i * k + f]).sum();
                let r = 3.5 + ub[u] + ib[i] + dot + g.normal() * 0.3;
                records.push((format!("u{u}"), format!("i{i}"), r.round().clamp(1.0, 5.0)));
            }
        }
    }
    Dataset::from_records(records, Scale { min: 1.0, max: 5.0 })
}
