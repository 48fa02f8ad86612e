//! Item content for the cold start: what the catalog says about each film (genres, director,
//! decade, cast), as a similarity that needs no rating at all, blended with the model's by how
//! much rating data the two items have.

use std::collections::HashMap;

use crate::ids::ItemIdx;
use crate::model::{Model, best_first};

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
#[derive(Debug, Clone, Default)]
pub struct ContentIndex {
    /// Per item: (feature, weight), weights of unit length.
    items: Vec<Vec<(u32, f32)>>,
    /// Per feature: the items that have it, with their weights.
    postings: Vec<Vec<(ItemIdx, f32)>>,
}

impl ContentIndex {
    /// Builds the index from each item's features (any strings; equal strings are one
    /// feature). Each feature weighs its inverse document frequency, `ln(n / items with it)`,
    /// and each item's weights are scaled to unit length, so the similarity is a cosine.
    pub fn new<S: AsRef<str>>(item_features: &[Vec<S>]) -> Self {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut counts: Vec<usize> = Vec::new();
        let mut raw: Vec<Vec<u32>> = Vec::with_capacity(item_features.len());
        for features in item_features {
            let mut own: Vec<u32> = Vec::new();
            for f in features {
                let next = ids.len() as u32;
                let id = *ids.entry(f.as_ref()).or_insert(next);
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
        Self { items, postings }
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
    fn neighbours(&self, item: ItemIdx) -> HashMap<ItemIdx, f32> {
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

/// Ratings at which an item's factors and its content weigh the same in
/// [`Model::similar_items_with_content`].
pub const CONTENT_SHRINK: f32 = 20.0;

impl Model {
    /// The `n` items most similar to `item`, blending the factor cosine with the content
    /// similarity: `w · factors + (1 − w) · content` with `w = m / (m + CONTENT_SHRINK)`, `m`
    /// the smaller rating count of the pair. With few ratings, factors are noise and content
    /// decides (a sequel next to its original); with many, what people rated decides.
    ///
    /// `content` is indexed like the model's items; items beyond it have no content.
    pub fn similar_items_with_content(
        &self,
        item: ItemIdx,
        n: usize,
        content: &ContentIndex,
    ) -> Vec<(ItemIdx, f32)> {
        if item.index() >= self.n_items() || n == 0 {
            return Vec::new();
        }
        let count = self.item_count(item) as f32;
        let by_content = content.neighbours(item);
        let mut scored: Vec<(f32, ItemIdx)> = (0..self.n_items() as u32)
            .map(ItemIdx::new)
            .filter(|&j| j != item)
            .map(|j| {
                let m = count.min(self.item_count(j) as f32);
                let w = m / (m + CONTENT_SHRINK);
                let c = by_content.get(&j).copied().unwrap_or(0.0);
                (w * self.item_similarity(item, j) + (1.0 - w) * c, j)
            })
            .filter(|(s, _)| *s > 0.0)
            .collect();
        best_first(&mut scored, n);
        scored.into_iter().map(|(s, i)| (i, s)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, Rating, Ratings, Scale};
    use crate::ids::{IdMap, UserIdx};
    use crate::params::Params;
    use crate::train::{NoProgress, fit};

    /// A generated catalog: 40 films in 8 series of 5 (same director, genre and decade within a
    /// series), rated by a few random users so the factors know almost nothing; the last film of
    /// series 0 is a sequel with no rating at all.
    #[test]
    fn content_puts_an_unrated_sequel_among_its_originals_similar_movies() {
        let genres = ["Animation", "Western", "Horror", "Drama"];
        let features: Vec<Vec<String>> = (0..40)
            .map(|i| {
                let series = i / 5;
                vec![
                    format!("director:d{series}"),
                    format!("genre:{}", genres[series % 4]),
                    format!("decade:{}", 1950 + 10 * (series % 5)),
                ]
            })
            .collect();
        // Every catalog film is an item, rated or not; sparse, uninformative ratings: each of
        // 6 users rates a pseudo-random handful, never film 4.
        let mut items: IdMap<ItemIdx> = IdMap::new();
        for i in 0..40 {
            items.get_or_insert(&i.to_string());
        }
        let mut users: IdMap<UserIdx> = IdMap::new();
        let mut entries = Vec::new();
        for u in 0..6u32 {
            let user = users.get_or_insert(&u.to_string());
            for k in 0..8u32 {
                let item = (u * 13 + k * 7) % 40;
                if item != 4 {
                    let value = 1.0 + ((u + k) % 5) as f32;
                    entries.push(Rating {
                        user,
                        item: ItemIdx::new(item),
                        value,
                    });
                }
            }
        }
        let ratings = Ratings::new(users.len(), items.len(), entries, Scale::MOVIELENS);
        let data = Dataset::new(users, items, ratings);
        let model = fit(&data, &Params::default().with_factors(4), None, &NoProgress).unwrap();
        let index = ContentIndex::new(&features);
        let (original, sequel) = (ItemIdx::new(0), ItemIdx::new(4));
        assert_eq!(model.item_count(sequel), 0);
        let similar = model.similar_items_with_content(original, 4, &index);
        let series = |found: &[(ItemIdx, f32)]| found.iter().filter(|(j, _)| j.index() < 5).count();
        assert_eq!(series(&similar), 4, "{similar:?}");
        assert!(similar.iter().any(|(j, _)| *j == sequel), "{similar:?}");
        // And from the sequel's page, its series.
        let back = model.similar_items_with_content(sequel, 4, &index);
        assert_eq!(series(&back), 4, "{back:?}");
        // The factors alone, from a handful of ratings, do not know the series.
        let factors_only = model.similar_items(original, 4);
        assert!(series(&factors_only) < 4, "{factors_only:?}");
    }
}
