//! Biased matrix factorisation by stochastic gradient descent, parallel by strata.
//!
//! Users and items are cut into `B` contiguous blocks of about equal rating mass. An epoch runs
//! `B` strata; in stratum `s`, user block `b` is paired with item block `(b + s) mod B`, so the
//! `B` pairs touch disjoint rows and run in parallel without locks (the scheme of LIBMF / DSGD).
//! Within a block, ratings are visited in a seeded shuffled order, so a given seed gives the
//! same model for any thread count.

use rayon::prelude::*;

use super::RunOptions;
use super::error::FitError;
use super::progress::Progress;
use super::state::{Reporter, Rows, init_rows};
use crate::data::{Rating, Ratings};
use crate::ids::{ItemIdx, UserIdx};
use crate::linalg::{Regularisation, dot};
use crate::params::Params;
use crate::rng::Rng;

/// Blocks per side: enough strata to keep every core busy, fixed so results don't depend on the
/// thread count up to this many threads.
const MIN_BLOCKS: usize = 16;

/// Block boundaries `[0, …, n]` with about equal rating counts per block.
fn boundaries(n: usize, count: impl Fn(usize) -> usize, total: usize, blocks: usize) -> Vec<usize> {
    let mut bounds = Vec::with_capacity(blocks + 1);
    bounds.push(0);
    let mut acc = 0usize;
    for idx in 0..n {
        acc += count(idx);
        // Close block b once its share of the mass is reached.
        let b = bounds.len();
        if b < blocks && acc * blocks >= total * b {
            bounds.push(idx + 1);
        }
    }
    while bounds.len() < blocks + 1 {
        bounds.push(n);
    }
    bounds
}

fn block_index(bounds: &[usize], n: usize) -> Vec<u16> {
    let mut of = vec![0u16; n];
    for (b, w) in bounds.windows(2).enumerate() {
        of[w[0]..w[1]].fill(b as u16);
    }
    of
}

/// Splits `rows` (stride `d`) into the blocks given by `bounds`.
fn split_blocks<'a>(mut rows: &'a mut [f32], bounds: &[usize], d: usize) -> Vec<&'a mut [f32]> {
    let mut out = Vec::with_capacity(bounds.len() - 1);
    for w in bounds.windows(2) {
        let (head, tail) = rows.split_at_mut((w[1] - w[0]) * d);
        out.push(head);
        rows = tail;
    }
    out
}

struct Step {
    mean: f32,
    lr: f32,
    reg: f32,
    reg_bias: f32,
}

/// One pass over a block's ratings; returns the sum of squared errors before each update.
fn sgd_block(
    ratings: &[Rating],
    users: &mut [f32],
    user_start: usize,
    items: &mut [f32],
    item_start: usize,
    d: usize,
    step: &Step,
) -> f64 {
    let mut sse = 0f64;
    for &Rating {
        user,
        item,
        value: r,
    } in ratings
    {
        let ur = &mut users[(user.index() - user_start) * d..][..d];
        let ir = &mut items[(item.index() - item_start) * d..][..d];
        let dot = dot(&ur[1..], &ir[1..]);
        let e = r - (step.mean + ur[0] + ir[0] + dot);
        sse += f64::from(e) * f64::from(e);
        ur[0] += step.lr * (e - step.reg_bias * ur[0]);
        ir[0] += step.lr * (e - step.reg_bias * ir[0]);
        for (p, q) in ur[1..].iter_mut().zip(&mut ir[1..]) {
            let (pv, qv) = (*p, *q);
            *p += step.lr * (e * qv - step.reg * pv);
            *q += step.lr * (e * pv - step.reg * qv);
        }
    }
    sse
}

pub(crate) fn fit(
    ratings: &Ratings,
    params: &Params,
    run: &RunOptions,
    validation: Option<&Ratings>,
    progress: &dyn Progress,
) -> Result<(Rows, Regularisation), FitError> {
    let reporter = Reporter::new(ratings, params, validation, progress);
    let k = params.factors;
    let d = k + 1;
    let mut rows = init_rows(ratings, params, run.seed, k);
    let blocks = MIN_BLOCKS.max(run.threads);
    let total = ratings.len();
    let ub = boundaries(
        ratings.n_users(),
        |u| ratings.user_count(UserIdx::new(u as u32)),
        total,
        blocks,
    );
    let ib = boundaries(
        ratings.n_items(),
        |i| ratings.item_count(ItemIdx::new(i as u32)),
        total,
        blocks,
    );
    let (u_of, i_of) = (
        block_index(&ub, ratings.n_users()),
        block_index(&ib, ratings.n_items()),
    );
    // Bucket (user block, item block) -> its ratings.
    let mut buckets: Vec<Vec<Rating>> = vec![Vec::new(); blocks * blocks];
    for &e in ratings.entries() {
        buckets[usize::from(u_of[e.user.index()]) * blocks + usize::from(i_of[e.item.index()])]
            .push(e);
    }
    let mut lr = params.lr;
    let mut strata: Vec<usize> = (0..blocks).collect();
    let mut order_rng = Rng::derive(run.seed, 1, 0);
    for epoch in 0..params.epochs {
        buckets.par_iter_mut().enumerate().for_each(|(b, bucket)| {
            Rng::derive(run.seed, epoch as u64 + 2, b as u64).shuffle(bucket);
        });
        order_rng.shuffle(&mut strata);
        let step = Step {
            mean: rows.mean,
            lr,
            reg: params.reg,
            reg_bias: params.reg_bias,
        };
        let mut sse = 0f64;
        for &s in &strata {
            let user_blocks = split_blocks(&mut rows.users, &ub, d);
            let mut item_blocks = split_blocks(&mut rows.items, &ib, d);
            // Position b now holds item block (b + s) mod B.
            item_blocks.rotate_left(s);
            let sums: Vec<f64> = user_blocks
                .into_par_iter()
                .zip(item_blocks)
                .enumerate()
                .map(|(b, (users, items))| {
                    let ib_idx = (b + s) % blocks;
                    sgd_block(
                        &buckets[b * blocks + ib_idx],
                        users,
                        ub[b],
                        items,
                        ib[ib_idx],
                        d,
                        &step,
                    )
                })
                .collect();
            sse += sums.iter().sum::<f64>();
        }
        let train_rmse = if total == 0 {
            0.0
        } else {
            (sse / total as f64).sqrt()
        };
        if reporter.epoch(&rows, epoch, train_rmse)? {
            break;
        }
        lr *= params.lr_decay;
    }
    let fold_in = Regularisation {
        factors: params.reg,
        bias: params.reg_bias,
        per_rating: true,
    };
    Ok((rows, fold_in))
}
