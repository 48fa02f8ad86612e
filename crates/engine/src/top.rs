//! Top-N selection, shared by every ranking in the crate: picks, similar items, neighbours
//! and the tuning's rankings.

use crate::ids::ItemIdx;

/// Keeps the `n` highest scores, sorted best first (ties by index).
pub(crate) fn best_first(scored: &mut Vec<(f32, ItemIdx)>, n: usize) {
    let by_score = |a: &(f32, ItemIdx), b: &(f32, ItemIdx)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if scored.len() > n {
        scored.select_nth_unstable_by(n - 1, by_score);
        scored.truncate(n);
    }
    scored.sort_unstable_by(by_score);
}
