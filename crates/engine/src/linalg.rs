//! The linear algebra: a vectorisable dot product, `axpy`, the Gramian of a factor matrix, the
//! regularised least-squares solve of one row and a factorised symmetric positive definite
//! system. The only module that touches nalgebra.

use nalgebra::{Cholesky, DMatrix, DVector, Dyn};
use rayon::prelude::*;

/// How a row's bias and factors are solved from its observations (training users and fold-in
/// alike).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Regularisation {
    /// Penalty on the factors.
    pub factors: f32,
    /// Penalty on the bias.
    pub bias: f32,
    /// Whether the penalties are per observation (multiplied by the row's count), as in SGD
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

/// Dot product with eight independent accumulators, which lets the compiler vectorise it.
#[inline]
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

/// `y += a · x`.
#[inline(always)]
pub(crate) fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += a * x;
    }
}

/// Rows per partial sum of [`gramian`]: fixed, so the sum is the same for any thread count.
const GRAMIAN_CHUNK: usize = 512;

/// `Σ_r row_r row_rᵀ` of `rows` (row-major, `k` per row) as a dense row-major `k × k` matrix.
///
/// Partial sums over fixed chunks of rows run in parallel and are added in chunk order, so the
/// result does not depend on the number of threads.
pub(crate) fn gramian(rows: &[f32], k: usize) -> Vec<f32> {
    if k == 0 {
        return Vec::new();
    }
    let partials: Vec<Vec<f32>> = rows
        .par_chunks(GRAMIAN_CHUNK * k)
        .map(|chunk| {
            let mut g = vec![0f32; k * k];
            for row in chunk.chunks_exact(k) {
                for (a, &ra) in row.iter().enumerate() {
                    if ra != 0.0 {
                        axpy(ra, row, &mut g[a * k..(a + 1) * k]);
                    }
                }
            }
            g
        })
        .collect();
    let mut total = vec![0f64; k * k];
    for g in &partials {
        for (t, &v) in total.iter_mut().zip(g) {
            *t += f64::from(v);
        }
    }
    total.into_iter().map(|v| v as f32).collect()
}

/// A factorised symmetric positive definite system `A x = b` (Cholesky, in f64), to solve for
/// several right-hand sides.
#[derive(Debug, Clone)]
pub(crate) struct SpdSystem(Cholesky<f64, Dyn>);

impl SpdSystem {
    /// Factorises the row-major `k × k` matrix `a`; `None` when it is not positive definite.
    pub fn new(a: &[f64], k: usize) -> Option<Self> {
        DMatrix::from_row_slice(k, k, a).cholesky().map(SpdSystem)
    }

    /// `A⁻¹ b`.
    pub fn solve(&self, b: &[f32]) -> Vec<f32> {
        let rhs = DVector::from_iterator(b.len(), b.iter().map(|&v| f64::from(v)));
        self.0.solve(&rhs).iter().map(|&v| v as f32).collect()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gramian_matches_the_plain_sum_and_spd_solves() {
        let k = 3;
        let rows: Vec<f32> = (0..3000)
            .map(|i| ((i * 7 % 13) as f32 - 6.0) / 10.0)
            .collect();
        let g = gramian(&rows, k);
        for a in 0..k {
            for b in 0..k {
                let plain: f32 = rows.chunks_exact(k).map(|r| r[a] * r[b]).sum();
                assert!((g[a * k + b] - plain).abs() < 1e-2, "{a},{b}");
            }
        }
        let mut a: Vec<f64> = g.iter().map(|&v| f64::from(v)).collect();
        for d in 0..k {
            a[d * k + d] += 1.0;
        }
        let system = SpdSystem::new(&a, k).expect("positive definite");
        let x = system.solve(&[1.0, 2.0, 3.0]);
        for (r, want) in a.chunks_exact(k).zip([1.0, 2.0, 3.0]) {
            let got: f64 = r.iter().zip(&x).map(|(m, x)| m * f64::from(*x)).sum();
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
    }

    #[test]
    fn dot_matches_the_plain_sum_for_every_length() {
        for n in 0..80 {
            let a: Vec<f32> = (0..n).map(|i| (i % 7) as f32 * 0.5).collect();
            let b: Vec<f32> = (0..n).map(|i| 3.0 - (i % 5) as f32).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-3, "n = {n}");
        }
    }

    #[test]
    fn solve_row_recovers_an_exact_row_when_unregularised() {
        // target = 0.5 + 2·q₀ − q₁ for four independent q.
        let qs: [[f32; 2]; 4] = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0]];
        let obs = qs.iter().map(|q| (&q[..], 0.5 + 2.0 * q[0] - q[1]));
        let reg = Regularisation {
            factors: 0.0,
            bias: 0.0,
            per_rating: false,
        };
        let mut out = [0f32; 3];
        solve_row(2, obs, &reg, &mut out);
        for (got, want) in out.iter().zip([0.5, 2.0, -1.0]) {
            assert!((got - want).abs() < 1e-4, "{out:?}");
        }
    }
}
