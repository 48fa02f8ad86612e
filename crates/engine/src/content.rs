//! Item content for the cold start: what the catalog says about each film (genres, director,
//! decade, cast), as a similarity that needs no rating at all, blended with the model's by how
//! much rating data the two items have.

use std::collections::HashMap;

use crate::ids::ItemIdx;
use crate::top::best_first;

/// Items' content features, weighted by rarity (a shared director says more than a shared
/// "Drama"), indexed like the model's items.
///
/// ```
/// use movierec_engine::{ContentIndex, ItemIdx};
///
/// let features = [
///     vec!["genre:Animation", "director:John Lasseter", "decade:1990s"],
///     vec!["genre:Animation", "director:John Lasseter", "decade:1990s"],
///     vec!["genre:Western", "director:Sam Peckinpah", "decade:1960s"],
/// ];
/// let index = ContentIndex::new(&features);
/// let similar = index.similar(ItemIdx::new(0), 1);
/// assert_eq!(similar[0].0, ItemIdx::new(1));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContentIndex {
    /// Per item: (feature, weight), weights of unit length.
    items: Vec<Vec<(u32, f32)>>,
    /// Per feature: the items that have it, with their weights.
    postings: Vec<Vec<(ItemIdx, f32)>>,
    /// Per item: its `series:` feature, if it has one.
    series: Vec<Option<u32>>,
}

/// The prefix of a feature naming a film's series: films sharing one are near-duplicates
/// in a list of picks (see [`ContentIndex::same_series`]).
pub const SERIES: &str = "series:";

impl ContentIndex {
    /// Builds the index from each item's features (any strings; equal strings are one
    /// feature). Each feature weighs its inverse document frequency, `ln(n / items with it)`,
    /// and each item's weights are scaled to unit length, so the similarity is a cosine.
    pub fn new<S: AsRef<str>>(item_features: &[Vec<S>]) -> Self {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut counts: Vec<usize> = Vec::new();
        let mut raw: Vec<Vec<u32>> = Vec::with_capacity(item_features.len());
        let mut series: Vec<Option<u32>> = Vec::with_capacity(item_features.len());
        for features in item_features {
            let mut own: Vec<u32> = Vec::new();
            let mut own_series = None;
            for f in features {
                let next = ids.len() as u32;
                let id = *ids.entry(f.as_ref()).or_insert(next);
                if f.as_ref().starts_with(SERIES) {
                    own_series = Some(id);
                }
                if own.contains(&id) {
                    continue;
                }
                if id as usize == counts.len() {
                    counts.push(0);
                }
                counts[id as usize] += 1;
                own.push(id);
            }
            raw.push(own);
            series.push(own_series);
        }
        let n = item_features.len().max(1) as f32;
        let mut postings: Vec<Vec<(ItemIdx, f32)>> = vec![Vec::new(); counts.len()];
        let items: Vec<Vec<(u32, f32)>> = raw
            .into_iter()
            .enumerate()
            .map(|(i, own)| {
                // A feature every item has still counts a little, so such items are not zero.
                let mut weighted: Vec<(u32, f32)> = own
                    .into_iter()
                    .map(|f| (f, (n / counts[f as usize] as f32).ln() + 0.1))
                    .collect();
                let norm = weighted.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
                for (f, w) in &mut weighted {
                    *w /= norm;
                    postings[*f as usize].push((ItemIdx::new(i as u32), *w));
                }
                weighted
            })
            .collect();
        Self {
            items,
            postings,
            series,
        }
    }

    /// Whether two items share a `series:` feature: a sequel and its original.
    pub fn same_series(&self, a: ItemIdx, b: ItemIdx) -> bool {
        match (self.series.get(a.index()), self.series.get(b.index())) {
            (Some(Some(x)), Some(Some(y))) => x == y,
            _ => false,
        }
    }

    /// Number of items indexed.
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Cosine similarity of two items' weighted features (0 when either is unknown).
    pub fn similarity(&self, a: ItemIdx, b: ItemIdx) -> f32 {
        let (Some(fa), Some(fb)) = (self.items.get(a.index()), self.items.get(b.index())) else {
            return 0.0;
        };
        fa.iter()
            .filter_map(|(f, wa)| fb.iter().find(|(g, _)| g == f).map(|(_, wb)| wa * wb))
            .sum()
    }

    /// Every item sharing a feature with `item`, with its similarity, unsorted.
    pub(crate) fn neighbours(&self, item: ItemIdx) -> HashMap<ItemIdx, f32> {
        let mut acc: HashMap<ItemIdx, f32> = HashMap::new();
        if let Some(features) = self.items.get(item.index()) {
            for &(f, w) in features {
                for &(other, wo) in &self.postings[f as usize] {
                    if other != item {
                        *acc.entry(other).or_insert(0.0) += w * wo;
                    }
                }
            }
        }
        acc
    }

    /// Calls `f` with each item sharing a feature with `item` and that feature's part of
    /// their similarity: an item sharing several features is called once per feature, the
    /// parts summing to [`ContentIndex::similarity`]. No map is built, so a caller adding
    /// into its own table pays only for the postings.
    pub(crate) fn for_each_part(&self, item: ItemIdx, mut f: impl FnMut(ItemIdx, f32)) {
        if let Some(features) = self.items.get(item.index()) {
            for &(feature, w) in features {
                for &(other, wo) in &self.postings[feature as usize] {
                    if other != item {
                        f(other, w * wo);
                    }
                }
            }
        }
    }

    /// The `n` items most similar to `item` by content, best first.
    pub fn similar(&self, item: ItemIdx, n: usize) -> Vec<(ItemIdx, f32)> {
        let mut scored: Vec<(f32, ItemIdx)> = self
            .neighbours(item)
            .into_iter()
            .map(|(i, s)| (s, i))
            .collect();
        best_first(&mut scored, n);
        scored.into_iter().map(|(s, i)| (i, s)).collect()
    }
}

/// Ratings at which an item's neighbours by who rated what and by content weigh the same in
/// [`Model::similar_items`](crate::Model::similar_items) and in a short history's picks: with few ratings, co-raters are
/// noise and content decides (a sequel next to its original); with many, what people rated
/// decides.
pub(crate) const CONTENT_SHRINK: f32 = 20.0;
