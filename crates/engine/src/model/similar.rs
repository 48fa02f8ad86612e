//! [`Model::similar_items`]: the films people who rated one also rated.

use super::Model;
use crate::ids::{ExternalId, ItemIdx};
use crate::linalg::dot;
use crate::top::best_first;

/// Ratings a film needs to enter another film's similar list while better supported films
/// are similar too: below this, a similarity is a handful of people's accident.
pub(crate) const MIN_SUPPORT: u32 = 5;

impl<U: ExternalId, T: ExternalId> Model<U, T> {
    /// Cosine similarity of two items' factor vectors; 0 when either is unknown or all zero.
    pub(crate) fn item_similarity(&self, a: ItemIdx, b: ItemIdx) -> f32 {
        if a.index() >= self.n_items() || b.index() >= self.n_items() || self.k == 0 {
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

    /// The `n` items most similar to `item`, best first, skipping items for which `exclude`
    /// is true: the films people who rated it also rated (its neighbours by who rated what,
    /// weighted by support), with content (director, genres, decade, cast) weighing in as
    /// far as `item` itself has little rating data. A film with fewer than five ratings
    /// enters the list only when too few better supported ones are similar at all. Without
    /// neighbours (a model file older than version 3) the factors' cosine stands in.
    ///
    /// ```
    /// use movierec_engine::{Dataset, Params, Scale, fit};
    ///
    /// // Films 0–4 are rated by the same half of the users, films 5–9 by the other half.
    /// let records = (0..40).flat_map(|u: u32| {
    ///     (0..10u32).filter(move |i| (i < &5) == (u % 2 == 0) && (u + i) % 3 != 0)
    ///         .map(move |i| (u.to_string(), i.to_string(), 4.0))
    /// });
    /// let data = Dataset::from_records(records, Scale::MOVIELENS);
    /// let model = fit(&data, &Params::default().with_factors(4))?;
    /// let item = |name: &str| data.items().get(name).unwrap();
    /// let similar = model.similar_items(item("0"), 3, |i| i == item("1"));
    /// assert_eq!(similar.len(), 3);
    /// for (film, similarity) in similar {
    ///     let name: u32 = data.items().ext(film).parse().unwrap();
    ///     assert!(name < 5 && name != 0 && name != 1 && similarity > 0.0);
    /// }
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn similar_items(
        &self,
        item: ItemIdx,
        n: usize,
        exclude: impl Fn(ItemIdx) -> bool,
    ) -> Vec<(ItemIdx, f32)> {
        if item.index() >= self.n_items() || n == 0 {
            return Vec::new();
        }
        let mut found: std::collections::HashMap<ItemIdx, f32> = std::collections::HashMap::new();
        if self.neighbours.is_empty() {
            let count = self.item_count(item) as f32;
            let content = self.content.as_ref().map(|c| c.neighbours(item));
            for j in (0..self.n_items() as u32).map(ItemIdx::new) {
                let m = count.min(self.item_count(j) as f32);
                let w = m / (m + crate::content::CONTENT_SHRINK);
                let c = content
                    .as_ref()
                    .and_then(|c| c.get(&j))
                    .copied()
                    .unwrap_or(0.0);
                found.insert(j, w * self.item_similarity(item, j) + (1.0 - w) * c);
            }
        } else {
            self.for_each_neighbour(item, |j, s| *found.entry(j).or_insert(0.0) += s);
        }
        found.remove(&item);
        let supported = |j: ItemIdx| self.item_count(j) >= MIN_SUPPORT;
        let mut ranked: Vec<(f32, ItemIdx)> = found
            .into_iter()
            .filter(|&(j, s)| s > 0.0 && !exclude(j))
            .map(|(j, s)| (s, j))
            .collect();
        let (mut first, mut rest): (Vec<_>, Vec<_>) =
            ranked.drain(..).partition(|&(_, j)| supported(j));
        best_first(&mut first, n);
        if first.len() < n {
            best_first(&mut rest, n - first.len());
            first.append(&mut rest);
        }
        first.into_iter().map(|(s, j)| (j, s)).collect()
    }
}
