//! A trained model: prediction, fold-in of new ratings, top-N and item similarity.

use nalgebra::{DMatrix, DVector};

use crate::data::{IdMap, Scale};
use crate::train::Algorithm;

/// How a user's bias and factors are solved from their ratings (training users and fold-in alike).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regularisation {
    /// Penalty on the user's factors.
    pub factors: f32,
    /// Penalty on the user's bias.
    pub bias: f32,
    /// Whether the penalties are per rating (multiplied by the user's rating count), as in SGD
    /// training, or fixed totals.
    pub per_rating: bool,
}

impl Regularisation {
    fn totals(&self, n: usize) -> (f64, f64) {
        let scale = if self.per_rating { n as f64 } else { 1.0 };
        // A floor keeps the solve well posed for a user with one or two ratings.
        let bias = (f64::from(self.bias) * scale).max(f64::from(self.bias));
        let factors = (f64::from(self.factors) * scale).max(f64::from(self.factors));
        (bias, factors)
    }
}

/// A user's learned (or folded-in) bias and factors.
#[derive(Debug, Clone, PartialEq)]
pub struct UserVector {
    pub bias: f32,
    pub factors: Vec<f32>,
}

/// A biased matrix-factorisation model (the baseline model is the same with zero factors).
///
/// Rating prediction: `global_mean + user_bias + item_bias + user_factors · item_factors`, clipped to
/// `scale`. Factors are stored row-major, `k` per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub algorithm: Algorithm,
    pub global_mean: f32,
    pub user_bias: Vec<f32>,
    pub item_bias: Vec<f32>,
    pub user_factors: Vec<f32>,
    pub item_factors: Vec<f32>,
    pub k: usize,
    pub scale: Scale,
    pub users: IdMap,
    pub items: IdMap,
    /// Training ratings per item: the item's support, used in ranking.
    pub item_counts: Vec<u32>,
    pub fold_in_reg: Regularisation,
    /// Weight of `ln(1 + ratings of the item)` in the ranking score; see [`Model::rank_score`].
    pub popularity_weight: f32,
}

/// Dot product with eight independent accumulators, which lets the compiler vectorise it.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            acc[j] += x[j] * y[j];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Solves the regularised least squares for one row's `[bias, factors]` against fixed rows of the
/// other side: minimise `Σ (target − b − p·q)² + reg_bias·b² + reg·|p|²` where each observation
/// gives `(q, target)`. Writes the solution into `out` (`k + 1` values, bias first).
pub(crate) fn solve_row<'a>(
    k: usize,
    observations: impl Iterator<Item = (&'a [f32], f32)>,
    reg: &Regularisation,
    out: &mut [f32],
) {
    let d = k + 1;
    // Observations as the columns of X = [1; q] (d x n); then A = X Xᵀ + diag(reg) and
    // b = X t, so the heavy product runs as one matrix multiply.
    let mut x: Vec<f64> = Vec::new();
    let mut t: Vec<f64> = Vec::new();
    for (q, target) in observations {
        x.push(1.0);
        x.extend(q.iter().map(|&v| f64::from(v)));
        t.push(f64::from(target));
    }
    let n = t.len();
    let x = DMatrix::from_vec(d, n, x);
    let t = DVector::from_vec(t);
    let mut m = &x * x.transpose();
    let rhs = &x * t;
    let (reg_bias, reg_factors) = reg.totals(n);
    m[(0, 0)] += reg_bias;
    for r in 1..d {
        m[(r, r)] += reg_factors;
    }
    match m.cholesky() {
        Some(ch) => {
            let sol = ch.solve(&rhs);
            for (o, s) in out.iter_mut().zip(sol.iter()) {
                *o = *s as f32;
            }
        }
        // Only reachable with zero regularisation and degenerate data: fall back to no opinion.
        None => out.fill(0.0),
    }
}

impl Model {
    pub fn n_users(&self) -> usize {
        self.user_bias.len()
    }

    pub fn n_items(&self) -> usize {
        self.item_bias.len()
    }

    fn item_row(&self, item: u32) -> &[f32] {
        let i = item as usize;
        &self.item_factors[i * self.k..(i + 1) * self.k]
    }

    /// Predicted rating, clipped to the scale. Unknown users or items fall back to biases and the
    /// global mean.
    pub fn predict(&self, user: u32, item: u32) -> f32 {
        let u = user as usize;
        if u < self.n_users() {
            let uv = &self.user_factors[u * self.k..(u + 1) * self.k];
            self.scale.clip(self.raw(self.user_bias[u], uv, item))
        } else {
            self.scale.clip(self.raw(0.0, &[], item))
        }
    }

    /// Prediction for a user vector, clipped to the scale.
    pub fn predict_with(&self, uv: &UserVector, item: u32) -> f32 {
        self.scale.clip(self.raw(uv.bias, &uv.factors, item))
    }

    fn raw(&self, user_bias: f32, user_factors: &[f32], item: u32) -> f32 {
        let mut p = self.global_mean + user_bias;
        if (item as usize) < self.n_items() {
            p += self.item_bias[item as usize];
            if !user_factors.is_empty() {
                p += dot(user_factors, self.item_row(item));
            }
        }
        p
    }

    /// The learned vector of a training user; an unknown index gives the zero vector.
    pub fn user_vector(&self, user: u32) -> UserVector {
        let u = user as usize;
        if u < self.n_users() {
            UserVector {
                bias: self.user_bias[u],
                factors: self.user_factors[u * self.k..(u + 1) * self.k].to_vec(),
            }
        } else {
            self.empty_user()
        }
    }

    fn empty_user(&self) -> UserVector {
        UserVector {
            bias: 0.0,
            factors: vec![0.0; self.k],
        }
    }

    /// Computes a user's bias and factors from their `(item, rating)` pairs with the item side
    /// fixed: one regularised least-squares solve of size `k + 1`. Items the model does not know
    /// are ignored.
    pub fn fold_in(&self, ratings: &[(u32, f32)]) -> UserVector {
        let known = ratings
            .iter()
            .filter(|(i, _)| (*i as usize) < self.n_items());
        let mut out = vec![0f32; self.k + 1];
        solve_row(
            self.k,
            known.map(|&(i, r)| {
                (
                    self.item_row(i),
                    r - self.global_mean - self.item_bias[i as usize],
                )
            }),
            &self.fold_in_reg,
            &mut out,
        );
        UserVector {
            bias: out[0],
            factors: out[1..].to_vec(),
        }
    }

    /// Like [`Model::fold_in`] with external item ids; unknown ids are ignored.
    pub fn fold_in_ext<S: AsRef<str>>(&self, ratings: &[(S, f32)]) -> UserVector {
        let mapped: Vec<(u32, f32)> = ratings
            .iter()
            .filter_map(|(id, r)| self.items.get(id.as_ref()).map(|i| (i, *r)))
            .collect();
        self.fold_in(&mapped)
    }

    /// The score `top_n` ranks by: the unclipped predicted rating plus
    /// `popularity_weight · ln(1 + item ratings)`.
    ///
    /// Rating prediction alone puts films with a handful of enthusiastic ratings above well-loved
    /// classics: their estimate is noisy, and few people have seen them. The support term is a prior
    /// that a film many people chose to watch is one this user will also want; the weight is tuned
    /// on held-out ratings (NDCG@10) and stored with the model.
    pub fn rank_score(&self, uv: &UserVector, item: u32) -> f32 {
        let support = self.item_counts.get(item as usize).copied().unwrap_or(0);
        self.raw(uv.bias, &uv.factors, item) + self.popularity_weight * (support as f32).ln_1p()
    }

    /// The `n` best items for a user vector by [`Model::rank_score`], skipping items for which
    /// `exclude` is true, best first, each with its predicted rating (clipped).
    pub fn top_n(
        &self,
        uv: &UserVector,
        n: usize,
        exclude: impl Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        if n == 0 {
            return Vec::new();
        }
        let base = self.global_mean + uv.bias;
        let k = self.k;
        let mut scored: Vec<(f32, u32)> = Vec::with_capacity(self.n_items());
        // Same arithmetic as `rank_score`, in one pass over contiguous rows.
        for (i, (&b, &count)) in self.item_bias.iter().zip(&self.item_counts).enumerate() {
            let i = i as u32;
            if exclude(i) {
                continue;
            }
            let q = &self.item_factors[i as usize * k..(i as usize + 1) * k];
            let score =
                base + b + dot(&uv.factors, q) + self.popularity_weight * (count as f32).ln_1p();
            scored.push((score, i));
        }
        let by_score = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > n {
            scored.select_nth_unstable_by(n - 1, by_score);
            scored.truncate(n);
        }
        scored.sort_unstable_by(by_score);
        scored
            .into_iter()
            .map(|(_, i)| (i, self.predict_with(uv, i)))
            .collect()
    }

    /// Cosine similarity of two items' factor vectors; 0 when either is unknown or all zero.
    pub fn item_similarity(&self, a: u32, b: u32) -> f32 {
        if a as usize >= self.n_items() || b as usize >= self.n_items() || self.k == 0 {
            return 0.0;
        }
        let (qa, qb) = (self.item_row(a), self.item_row(b));
        let denom = dot(qa, qa).sqrt() * dot(qb, qb).sqrt();
        if denom > 0.0 {
            dot(qa, qb) / denom
        } else {
            0.0
        }
    }

    /// The `n` items most similar to `item` (cosine in factor space), best first.
    pub fn similar_items(&self, item: u32, n: usize) -> Vec<(u32, f32)> {
        if item as usize >= self.n_items() || n == 0 {
            return Vec::new();
        }
        let q = self.item_row(item);
        let qn = dot(q, q).sqrt();
        if qn == 0.0 {
            return Vec::new();
        }
        let mut scored: Vec<(f32, u32)> = (0..self.n_items() as u32)
            .filter(|&i| i != item)
            .filter_map(|i| {
                let r = self.item_row(i);
                let rn = dot(r, r).sqrt();
                (rn > 0.0).then(|| (dot(q, r) / (qn * rn), i))
            })
            .collect();
        let by_score = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > n {
            scored.select_nth_unstable_by(n - 1, by_score);
            scored.truncate(n);
        }
        scored.sort_unstable_by(by_score);
        scored.into_iter().map(|(s, i)| (i, s)).collect()
    }
}
