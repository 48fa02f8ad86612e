//! Weighted ALS on the implicit matrix (who rated what), with the Gramian trick and
//! conjugate-gradient row updates.
//!
//! Each pass fixes one side and solves every row of the other against it. The system of a row
//! with observations `O` is `A = α₀ G + Σ_{j∈O} w_j y_j y_jᵀ + λ_u I`, `b = Σ_{j∈O} (α₀ + w_j) y_j`,
//! where `G = Σ_all y yᵀ` is computed once per pass in `O(n·k²)`. Instead of forming `A`
//! (`O(|O|·k²)`), a few conjugate-gradient steps warm-started from the row's previous value
//! apply it to vectors in `O(|O|·k + k²)` each (Takács, Pilászy & Tikk 2011), so an epoch costs
//! `O(ratings·k + (users + items)·k²)`. Rows are independent and the Gramian's partial sums are
//! added in a fixed order, so a seed gives the same model for any number of threads.
//!
//! Internally users and items are renumbered by descending number of ratings, and both
//! directions of the matrix are laid out in that order with compact `u32` indices and
//! precomputed confidence weights. Under the power law of real ratings most observations then
//! touch the factors of a few thousand popular items or active users packed together at the
//! front, which stay in cache, instead of rows scattered over tens of megabytes. The factors are
//! put back in the dataset's order at the end.

use std::time::Instant;

use rayon::prelude::*;

use super::error::FitError;
use super::progress::{EpochReport, Progress};
use crate::data::Ratings;
use crate::ids::{ItemIdx, UserIdx};
use crate::implicit::{ImplicitModel, observed_weight, row_reg};
use crate::linalg::{SpdSystem, axpy, gramian};
use crate::params::ImplicitParams;
use crate::rng::Rng;

/// A pass's fixed inputs.
struct Pass<'a> {
    params: &'a ImplicitParams,
    k: usize,
    /// The fixed side's factors.
    other: &'a [f32],
    n_other: usize,
    /// `α₀ G` of the fixed side.
    gram: Vec<f32>,
    arch: pulp::Arch,
    prefetch: Prefetch,
}

/// Rows of the fixed side a solve asks the processor to fetch ahead of their use.
const PREFETCH_AHEAD: usize = 8;

/// Cache-fetch hints for the fixed side's rows. A row's observations point at rows scattered over
/// tens of megabytes, so each product would otherwise wait on a cache miss per observation; asking
/// for the rows a few observations ahead keeps several misses in flight. Only a hint: results do
/// not depend on it, and where the processor has no such instruction it does nothing.
#[derive(Clone, Copy)]
struct Prefetch {
    #[cfg(target_arch = "x86_64")]
    sse: Option<pulp::core_arch::x86::Sse>,
}

impl Prefetch {
    fn new() -> Self {
        Self {
            #[cfg(target_arch = "x86_64")]
            sse: pulp::core_arch::x86::Sse::try_new(),
        }
    }

    /// Hints every cache line of `row`.
    #[inline(always)]
    fn row(self, row: &[f32]) {
        #[cfg(target_arch = "x86_64")]
        if let Some(sse) = self.sse {
            // 16 floats to a 64-byte cache line.
            for line in row.chunks(16) {
                sse._mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast());
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = row;
    }
}

/// Per-thread work vectors of the conjugate gradient.
struct Scratch {
    r: Vec<f32>,
    p: Vec<f32>,
    ap: Vec<f32>,
}

/// One row's solve as a [`pulp::WithSimd`] operation: [`pulp::Arch::dispatch`] runs it compiled
/// for the widest vector instructions the processor has (AVX2 with fused multiply-adds on most
/// x86-64 machines), which the short dot products and `axpy`s of a solve gain severalfold from.
/// Every row of a fit takes the same path, so a seed still gives the same model for any number
/// of threads.
struct RowSolve<'p, 'a> {
    pass: &'p Pass<'a>,
    idx: &'p [u32],
    weights: &'p [f32],
    x: &'p mut [f32],
    scratch: &'p mut Scratch,
    measure: bool,
}

impl pulp::WithSimd for RowSolve<'_, '_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) -> f64 {
        self.pass.solve_row(
            simd,
            self.idx,
            self.weights,
            self.x,
            self.scratch,
            self.measure,
        )
    }
}

/// `a · b` (equal lengths) in `simd`'s vectors with fused multiply-adds where it has them, two
/// accumulators deep so consecutive multiply-adds do not wait on each other.
#[inline(always)]
fn simd_dot<S: pulp::Simd>(simd: S, a: &[f32], b: &[f32]) -> f32 {
    let (ah, at) = S::as_simd_f32s(a);
    let (bh, bt) = S::as_simd_f32s(b);
    let zero = simd.splat_f32s(0.0);
    let (mut acc0, mut acc1) = (zero, zero);
    for (x, y) in ah.chunks_exact(2).zip(bh.chunks_exact(2)) {
        acc0 = simd.mul_add_e_f32s(x[0], y[0], acc0);
        acc1 = simd.mul_add_e_f32s(x[1], y[1], acc1);
    }
    if ah.len() % 2 == 1 {
        let last = ah.len() - 1;
        acc0 = simd.mul_add_e_f32s(ah[last], bh[last], acc0);
    }
    let mut sum = simd.reduce_sum_f32s(simd.add_f32s(acc0, acc1));
    for (x, y) in at.iter().zip(bt) {
        sum += x * y;
    }
    sum
}

/// `y += a · x` in `simd`'s vectors.
#[inline(always)]
fn simd_axpy<S: pulp::Simd>(simd: S, a: f32, x: &[f32], y: &mut [f32]) {
    let av = simd.splat_f32s(a);
    let (xh, xt) = S::as_simd_f32s(x);
    let (yh, yt) = S::as_mut_simd_f32s(y);
    for (y, &x) in yh.iter_mut().zip(xh) {
        *y = simd.mul_add_e_f32s(av, x, *y);
    }
    for (y, &x) in yt.iter_mut().zip(xt) {
        *y += a * x;
    }
}

/// `out = m · v` for a row-major square `m`.
#[inline(always)]
fn simd_matvec<S: pulp::Simd>(simd: S, m: &[f32], v: &[f32], out: &mut [f32]) {
    for (o, row) in out.iter_mut().zip(m.chunks_exact(v.len())) {
        *o = simd_dot(simd, row, v);
    }
}

impl Pass<'_> {
    /// The fixed side's row `j`.
    #[inline(always)]
    fn row(&self, j: u32) -> &[f32] {
        let j = j as usize;
        &self.other[j * self.k..(j + 1) * self.k]
    }

    /// `out += Σ_j (c + w_j (d + sign · y_j·v)) y_j` over the row's observations `idx` with
    /// weights `w`, in one pass that fetches each `y_j` once: with `(0, 0, 1)` the observed
    /// part of `A v`, with `(α₀, 1, −1)` that of `b − A v`.
    #[inline(always)]
    fn observed_pass<S: pulp::Simd>(
        &self,
        simd: S,
        idx: &[u32],
        w: &[f32],
        (c, d, sign): (f32, f32, f32),
        v: &[f32],
        out: &mut [f32],
    ) {
        for (t, (&j, &wj)) in idx.iter().zip(w).enumerate() {
            if let Some(&ahead) = idx.get(t + PREFETCH_AHEAD) {
                self.prefetch.row(self.row(ahead));
            }
            let y = self.row(j);
            simd_axpy(simd, c + wj * (d + sign * simd_dot(simd, y, v)), y, out);
        }
    }

    /// Updates `x` for a row whose observations are `idx` (indices into the fixed side) with
    /// confidence weights `w`; returns the squared error of the observed preferences against 1 when
    /// `measure`, else 0.
    #[inline(always)]
    fn solve_row<S: pulp::Simd>(
        &self,
        simd: S,
        idx: &[u32],
        w: &[f32],
        x: &mut [f32],
        s: &mut Scratch,
        measure: bool,
    ) -> f64 {
        if idx.is_empty() {
            // No observations: the penalised optimum is the zero vector.
            x.fill(0.0);
            return 0.0;
        }
        let a0 = self.params.unobserved_weight;
        let lambda = row_reg(self.params, idx.len(), self.n_other);
        if self.params.cg_steps == 0 {
            self.exact(idx, w, lambda, x);
        } else {
            // r = b − A x = Σ_j (a0 + w_j − w_j y_j·x) y_j − (α₀G + λ) x
            simd_matvec(simd, &self.gram, x, &mut s.r);
            for (rv, &xv) in s.r.iter_mut().zip(x.iter()) {
                *rv = -*rv - lambda * xv;
            }
            self.observed_pass(simd, idx, w, (a0, 1.0, -1.0), x, &mut s.r);
            s.p.copy_from_slice(&s.r);
            let mut rs = simd_dot(simd, &s.r, &s.r);
            for _ in 0..self.params.cg_steps {
                if rs < 1e-20 {
                    break;
                }
                simd_matvec(simd, &self.gram, &s.p, &mut s.ap);
                simd_axpy(simd, lambda, &s.p, &mut s.ap);
                self.observed_pass(simd, idx, w, (0.0, 0.0, 1.0), &s.p, &mut s.ap);
                let pap = simd_dot(simd, &s.p, &s.ap);
                if !(pap.is_finite() && rs.is_finite()) {
                    // Overflow: poison the row so the epoch's check reports the divergence.
                    x.fill(f32::NAN);
                    break;
                }
                if pap <= 0.0 {
                    break;
                }
                let step = rs / pap;
                simd_axpy(simd, step, &s.p, x);
                simd_axpy(simd, -step, &s.ap, &mut s.r);
                let rs_new = simd_dot(simd, &s.r, &s.r);
                let beta = rs_new / rs;
                for (p, &r) in s.p.iter_mut().zip(&s.r) {
                    *p = r + beta * *p;
                }
                rs = rs_new;
            }
        }
        if !measure {
            return 0.0;
        }
        idx.iter()
            .map(|&j| {
                let e = 1.0 - f64::from(simd_dot(simd, self.row(j), x));
                e * e
            })
            .sum()
    }

    /// The exact solve: forms `A` and factorises it.
    fn exact(&self, idx: &[u32], w: &[f32], lambda: f32, x: &mut [f32]) {
        let k = self.k;
        let mut a: Vec<f64> = self.gram.iter().map(|&g| f64::from(g)).collect();
        let mut b = vec![0f32; k];
        for (&j, &wj) in idx.iter().zip(w) {
            let j = j as usize;
            let y = &self.other[j * k..(j + 1) * k];
            for (r, &ya) in y.iter().enumerate() {
                let s = f64::from(wj * ya);
                for (m, &yb) in a[r * k..(r + 1) * k].iter_mut().zip(y) {
                    *m += s * f64::from(yb);
                }
            }
            axpy(self.params.unobserved_weight + wj, y, &mut b);
        }
        for d in 0..k {
            a[d * k + d] += f64::from(lambda).max(1e-9);
        }
        match SpdSystem::new(&a, k) {
            Some(system) => x.copy_from_slice(&system.solve(&b)),
            None => x.fill(0.0),
        }
    }
}

/// Rows whose squared error is measured: one in this many (by the dataset's numbering), which
/// keeps the report's cost at a small fraction of the pass.
const MEASURE_EVERY: usize = 16;

/// Fewest rows a thread takes at once.
const ROWS_PER_TASK: usize = 64;

/// A renumbering of one side: position `n` in the fit holds the dataset's row `order[n]`.
struct Order {
    order: Vec<u32>,
    /// The inverse: the dataset's row `r` is at `rank[r]` in the fit.
    rank: Vec<u32>,
}

impl Order {
    /// Rows by descending number of ratings, ties by index, so the order is fixed by the data.
    fn by_count(counts: impl Fn(usize) -> usize, n: usize) -> Self {
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&r| std::cmp::Reverse(counts(r as usize)));
        let mut rank = vec![0u32; n];
        for (pos, &r) in order.iter().enumerate() {
            rank[r as usize] = pos as u32;
        }
        Self { order, rank }
    }

    /// `rows` (stride `k`, the dataset's order) in the fit's order.
    fn gather(&self, rows: &[f32], k: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(rows.len());
        for &r in &self.order {
            let r = r as usize;
            out.extend_from_slice(&rows[r * k..(r + 1) * k]);
        }
        out
    }

    /// `rows` (stride `k`, the fit's order) back in the dataset's order.
    fn scatter(&self, rows: &[f32], k: usize) -> Vec<f32> {
        let mut out = vec![0f32; rows.len()];
        for (row, &r) in rows.chunks_exact(k.max(1)).zip(&self.order) {
            let r = r as usize;
            out[r * k..(r + 1) * k].copy_from_slice(row);
        }
        out
    }
}

/// One direction of the matrix in the fit's numbering: row `n`'s observations are
/// `idx[ptr[n]..ptr[n + 1]]`, ascending positions of the other side, with confidence weights `w`.
struct Csr {
    ptr: Vec<usize>,
    idx: Vec<u32>,
    w: Vec<f32>,
}

impl Csr {
    /// Lays out the rows of `rows` (in its order) from the other side's observations: walking
    /// the other side in its own fit order and appending to each row leaves every row's indices
    /// ascending without a sort, so a solve reads the fixed side's factors front to back.
    fn transpose_of<'a, J>(
        rows: &Order,
        counts: impl Fn(usize) -> usize,
        other: &Order,
        observations: impl Fn(usize) -> (&'a [J], &'a [f32]),
        weight: impl Fn(f32) -> f32,
    ) -> Self
    where
        J: Copy + Into<u32> + 'a,
    {
        let mut ptr = Vec::with_capacity(rows.order.len() + 1);
        ptr.push(0usize);
        for &r in &rows.order {
            ptr.push(ptr[ptr.len() - 1] + counts(r as usize));
        }
        let nnz = ptr[ptr.len() - 1];
        let mut idx = vec![0u32; nnz];
        let mut w = vec![0f32; nnz];
        let mut cursor = ptr[..ptr.len() - 1].to_vec();
        for (pos, &o) in other.order.iter().enumerate() {
            let (js, values) = observations(o as usize);
            for (&j, &v) in js.iter().zip(values) {
                let n = rows.rank[j.into() as usize] as usize;
                let at = cursor[n];
                idx[at] = pos as u32;
                w[at] = weight(v);
                cursor[n] += 1;
            }
        }
        Self { ptr, idx, w }
    }

    fn row(&self, n: usize) -> (&[u32], &[f32]) {
        let r = self.ptr[n]..self.ptr[n + 1];
        (&self.idx[r.clone()], &self.w[r])
    }
}

/// Solves every row of `rows` (stride `k`, fit order) against the fixed side; returns the summed
/// squared error of the observed preferences of every [`MEASURE_EVERY`]-th row of the dataset,
/// and their number.
fn half_step(rows: &mut [f32], pass: &Pass<'_>, csr: &Csr, order: &Order) -> (f64, usize) {
    let k = pass.k;
    rows.par_chunks_exact_mut(k)
        .enumerate()
        // Rows are cheap: hand them to threads in batches.
        .with_min_len(ROWS_PER_TASK)
        .map_init(
            || Scratch {
                r: vec![0.0; k],
                p: vec![0.0; k],
                ap: vec![0.0; k],
            },
            |scratch, (n, x)| {
                let (idx, weights) = csr.row(n);
                let measure = (order.order[n] as usize).is_multiple_of(MEASURE_EVERY);
                let sse = pass.arch.dispatch(RowSolve {
                    pass,
                    idx,
                    weights,
                    x,
                    scratch,
                    measure,
                });
                (sse, if measure { idx.len() } else { 0 })
            },
        )
        .reduce(|| (0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// The implicit-feedback model on `ratings`, on the current thread pool.
pub(crate) fn fit_ratings(
    ratings: &Ratings,
    params: &ImplicitParams,
    seed: u64,
    progress: &dyn Progress,
) -> Result<ImplicitModel, FitError> {
    let started = Instant::now();
    let k = params.factors;
    let (n_users, n_items) = (ratings.n_users(), ratings.n_items());
    let scale = ratings.scale();
    let mut rng = Rng::new(seed);
    // Items start random (drawn in the dataset's order, so a seed's start does not depend on the
    // renumbering); users start at zero, as the first user pass solves them anyway.
    let mut start: Vec<f32> = (0..n_items * k)
        .map(|_| (rng.normal() * f64::from(params.init_std)) as f32)
        .collect();
    for (i, row) in start.chunks_exact_mut(k.max(1)).enumerate() {
        if ratings.item_count(ItemIdx::new(i as u32)) == 0 {
            row.fill(0.0);
        }
    }
    let user_count = |u: usize| ratings.user_count(UserIdx::new(u as u32));
    let item_count = |i: usize| ratings.item_count(ItemIdx::new(i as u32));
    let user_order = Order::by_count(user_count, n_users);
    let item_order = Order::by_count(item_count, n_items);
    let weight = |r: f32| observed_weight(params, scale, Some(r));
    let by_user = Csr::transpose_of(
        &user_order,
        user_count,
        &item_order,
        |i| ratings.item_ratings(ItemIdx::new(i as u32)),
        weight,
    );
    let by_item = Csr::transpose_of(
        &item_order,
        item_count,
        &user_order,
        |u| ratings.user_ratings(UserIdx::new(u as u32)),
        weight,
    );
    let mut items = item_order.gather(&start, k);
    drop(start);
    let mut users = vec![0f32; n_users * k];
    let a0 = params.unobserved_weight;
    let arch = pulp::Arch::new();
    let prefetch = Prefetch::new();
    let scaled_gramian =
        |rows: &[f32]| -> Vec<f32> { gramian(rows, k).into_iter().map(|g| a0 * g).collect() };
    for epoch in 0..params.epochs {
        let (sse, measured) = {
            let pass = Pass {
                params,
                k,
                other: &items,
                n_other: n_items,
                gram: scaled_gramian(&items),
                arch,
                prefetch,
            };
            half_step(&mut users, &pass, &by_user, &user_order)
        };
        let pass = Pass {
            params,
            k,
            other: &users,
            n_other: n_users,
            gram: scaled_gramian(&users),
            arch,
            prefetch,
        };
        half_step(&mut items, &pass, &by_item, &item_order);
        let train_rmse = if measured == 0 {
            0.0
        } else {
            (sse / measured as f64).sqrt()
        };
        let finite = train_rmse.is_finite() && users.iter().chain(&items).all(|x| x.is_finite());
        if !finite {
            return Err(FitError::Diverged {
                epoch: epoch + 1,
                train_rmse,
            });
        }
        progress.on_epoch(&EpochReport {
            epoch: epoch + 1,
            epochs: params.epochs,
            train_rmse,
            holdout_rmse: None,
            seconds: started.elapsed().as_secs_f64(),
        });
        if progress.should_stop() {
            break;
        }
    }
    let users = user_order.scatter(&users, k);
    let items = item_order.scatter(&items, k);
    Ok(ImplicitModel::new(
        params.clone(),
        seed,
        scale,
        k,
        users,
        items,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, Scale};
    use crate::linalg::dot;
    use crate::train::Fit;

    /// On one thread, as the tests' figures were measured.
    fn fit_alone(data: &Dataset, params: &ImplicitParams) -> Result<ImplicitModel, FitError> {
        Fit::new(params).threads(1).run(data)
    }

    /// 60 users in three taste groups of 8 items each, each user watching most of their group's
    /// items and one stray item.
    fn groups() -> Dataset {
        let mut records = Vec::new();
        for u in 0..60u32 {
            let g = u % 3;
            for i in 0..8u32 {
                if (u + i) % 4 != 0 {
                    let rating = 3.0 + ((u + i) % 3) as f32;
                    records.push((format!("u{u}"), format!("i{}", g * 8 + i), rating));
                }
            }
            records.push((format!("u{u}"), format!("i{}", (u * 7) % 24), 2.0));
        }
        Dataset::from_records(records, Scale::MOVIELENS)
    }

    fn params() -> ImplicitParams {
        ImplicitParams::default().with_factors(6).with_epochs(30)
    }

    #[test]
    fn fold_in_of_a_training_user_matches_the_trained_one() {
        let data = groups();
        for cg_steps in [0, 3] {
            let model = fit_alone(&data, &params().with_cg_steps(cg_steps)).expect("converges");
            for u in [0u32, 17, 41] {
                let user = UserIdx::new(u);
                let (items, values) = data.ratings().user_ratings(user);
                let rated: Vec<(ItemIdx, f32)> =
                    items.iter().copied().zip(values.iter().copied()).collect();
                let folded = model.fold_in(&rated, &[]);
                let trained = model.user_factors(user).unwrap();
                let norm = dot(trained, trained).sqrt();
                let diff: f32 = folded
                    .factors()
                    .iter()
                    .zip(trained)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f32>()
                    .sqrt();
                assert!(
                    diff <= 0.02 * norm,
                    "cg {cg_steps} user {u}: |Δ| {diff} vs |x| {norm}"
                );
            }
        }
    }

    #[test]
    fn same_seed_same_model_for_any_thread_count_and_groups_are_learned() {
        let data = groups();
        let one = fit_alone(&data, &params()).unwrap();
        let two = Fit::new(&params()).threads(2).run(&data).unwrap();
        assert!(one.user_factors == two.user_factors && one.item_factors == two.item_factors);
        let other_seed = Fit::new(&params()).threads(1).seed(7).run(&data).unwrap();
        assert_ne!(one.item_factors, other_seed.item_factors);
        // User 0 (group 0) prefers unseen group-0 items to any group-1 item.
        let user = one.user_factors(UserIdx::new(0)).unwrap();
        let item = |name: &str| data.items().get(name).unwrap();
        let seen: Vec<ItemIdx> = data.ratings().user_ratings(UserIdx::new(0)).0.to_vec();
        let top = one.top_n(user, 1, |i| seen.contains(&i));
        let name = data.items().ext(top[0].0);
        let n: u32 = name[1..].parse().unwrap();
        assert!(n < 8, "top pick {name}");
        assert!(one.score(user, item("i1")) > one.score(user, item("i9")));
    }

    #[test]
    fn seen_items_count_like_ratings_and_unknown_items_are_ignored() {
        let data = groups();
        let model = fit_alone(&data, &params()).unwrap();
        let item = |name: &str| data.items().get(name).unwrap();
        let rated = [(item("i1"), 4.0)];
        let alone = model.fold_in(&rated, &[]);
        let with_seen = model.fold_in(&rated, &[item("i2"), item("i3")]);
        // Having watched two more group-0 films raises the score of a third.
        let target = item("i5");
        assert!(model.score(with_seen.factors(), target) > model.score(alone.factors(), target));
        let with_unknown = model.fold_in(&rated, &[ItemIdx::new(9_999)]);
        assert_eq!(with_unknown.factors(), alone.factors());
        let parts = with_seen.contributions(&model, target);
        assert_eq!(parts.len(), 3);
        let total: f32 = parts.iter().map(|p| p.1).sum();
        assert!((total - model.score(with_seen.factors(), target)).abs() < 1e-4);
    }

    #[test]
    fn internal_order_puts_busy_rows_first_and_keeps_every_observation() {
        let data = groups();
        let ratings = data.ratings();
        let user_count = |u: usize| ratings.user_count(UserIdx::new(u as u32));
        let item_count = |i: usize| ratings.item_count(ItemIdx::new(i as u32));
        let users = Order::by_count(user_count, ratings.n_users());
        let items = Order::by_count(item_count, ratings.n_items());
        let counts: Vec<usize> = items
            .order
            .iter()
            .map(|&i| item_count(i as usize))
            .collect();
        assert!(counts.windows(2).all(|c| c[0] >= c[1]), "{counts:?}");
        let weight = |r: f32| r * 10.0;
        let by_user = Csr::transpose_of(
            &users,
            user_count,
            &items,
            |i| ratings.item_ratings(ItemIdx::new(i as u32)),
            weight,
        );
        for (n, &u) in users.order.iter().enumerate() {
            let (idx, w) = by_user.row(n);
            assert!(idx.windows(2).all(|p| p[0] < p[1]), "row {n} not ascending");
            let mut got: Vec<(u32, f32)> = idx
                .iter()
                .zip(w)
                .map(|(&i, &w)| (items.order[i as usize], w))
                .collect();
            got.sort_by_key(|p| p.0);
            let (its, values) = ratings.user_ratings(UserIdx::new(u));
            let mut want: Vec<(u32, f32)> = its
                .iter()
                .zip(values)
                .map(|(&i, &r)| (u32::from(i), weight(r)))
                .collect();
            want.sort_by_key(|p| p.0);
            assert_eq!(got, want, "user {u}");
        }
        let rows: Vec<f32> = (0..ratings.n_items() * 2).map(|x| x as f32).collect();
        assert_eq!(items.scatter(&items.gather(&rows, 2), 2), rows);
    }

    #[test]
    fn runaway_parameters_are_a_fit_error() {
        let data = groups();
        let mut p = params();
        p.init_std = f32::INFINITY;
        let err = fit_alone(&data, &p).unwrap_err();
        assert!(matches!(err, FitError::InvalidParam { .. }), "{err}");
        // Huge weights overflow f32 in the solve: reported, not returned as a model.
        let mut p = params();
        p.alpha = 1e38;
        p.unobserved_weight = 1e38;
        let err = fit_alone(&data, &p).unwrap_err();
        assert!(matches!(err, FitError::Diverged { .. }), "{err}");
    }
}
