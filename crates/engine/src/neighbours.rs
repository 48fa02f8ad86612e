//! Item-item neighbours from who rated what: the evidence behind similar movies and the
//! taste of short histories.
//!
//! Two films are neighbours when the same people liked both, "liked" meaning rated at or
//! above the rater's own mean: `sim(i, j) = co / √(n_i · n_j) · co / (co + NEIGHBOUR_SHRINK)`,
//! the cosine of the two films' columns of who-liked-what, shrunk by the support `co` (people
//! who liked both) so a pair seen together twice does not outrank one seen together two
//! hundred times. Each film keeps its [`NEIGHBOURS`] best.
//!
//! Likes rather than ratings: a rating says the rater watched the film, not that they would
//! watch its neighbours again. On MovieLens 100k (one 80/20 split, similar lists of the five
//! best-rated films as recommendations) likes hit 0.214 of the held-out liked films where
//! who-rated-what hits 0.210, and a site whose few raters rated everything (the embedded
//! catalog's critics) still has neighbours.

use rayon::prelude::*;

use crate::data::Ratings;
use crate::ids::{ItemIdx, UserIdx};
use crate::rng::Rng;
use crate::top::best_first;

/// Neighbours kept per item: a similar-movies list and a short history's candidates need far
/// fewer, and 50 per item is 35 MB at the ml-32m shape (87,000 films).
pub(crate) const NEIGHBOURS: usize = 50;
/// Co-raters at which a pair's cosine counts half: a pair seen together by 10 people is
/// evidence, by 1 or 2 an accident.
pub(crate) const NEIGHBOUR_SHRINK: f32 = 10.0;
/// Liked films of one user that count towards co-occurrence. The work grows with the square
/// of a user's films; a user who liked 10,000 films says less about each pair than one who
/// liked 50, and a seeded sample of this many of their films keeps the pairs they contribute
/// unbiased while bounding the cost. At 32 M generated ratings (2 cores) training took 105.7 s
/// with 400 and 97.5 s with 200, against 94.8 s without neighbours.
const MAX_USER_ITEMS: usize = 200;
/// Film pairs all users together may contribute: past this the per-user sample shrinks
/// below [`MAX_USER_ITEMS`] until the pairs fit, so the neighbours' cost stops growing with
/// the number of raters. MovieLens 100k and 1M stay well within; the ml-32m shape's heavy
/// raters would bring about 10⁹ pairs at 200 films each (a quarter of a training on 2 cores).
const MAX_PAIRS: u64 = 300_000_000;
/// The per-user sample never shrinks below this many films: the pairs of a user's 50
/// favourites are the evidence the neighbours exist for.
const MIN_USER_ITEMS: usize = 50;

/// The most films per user, at most [`MAX_USER_ITEMS`], whose pairs over all users stay
/// within [`MAX_PAIRS`] (never under [`MIN_USER_ITEMS`]); `liked` holds each user's count.
fn films_per_user(liked: &[usize]) -> usize {
    let pairs = |cap: usize| pairs_at(liked, cap);
    // The pairs grow with the cap, so the largest cap within budget is found by bisection.
    let (mut low, mut high) = (MIN_USER_ITEMS, MAX_USER_ITEMS);
    if pairs(high) <= MAX_PAIRS {
        return high;
    }
    while low < high {
        let mid = (low + high).div_ceil(2);
        if pairs(mid) <= MAX_PAIRS {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    low
}

/// Film pairs (ordered, each film with itself included) that users who liked `liked` films
/// each bring with a per-user sample of `cap`.
fn pairs_at(liked: &[usize], cap: usize) -> u64 {
    liked.iter().map(|&n| (n.min(cap) as u64).pow(2)).sum()
}

/// Each item's best neighbours, best first, in one flat table.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Neighbours {
    /// Per item, where its neighbours start in `items`; one more entry than items.
    offsets: Vec<u32>,
    items: Vec<ItemIdx>,
    sims: Vec<f32>,
    /// Per item, how many people it was co-counted over (its column's size).
    support: Vec<u32>,
}

impl Neighbours {
    /// Computes every item's neighbours from `ratings`; `seed` picks the sampled films of the
    /// heaviest users.
    pub(crate) fn compute(ratings: &Ratings, seed: u64) -> Self {
        let n_items = ratings.n_items();
        // Each user's liked films: rated at or above their own mean.
        let liked_by = |u: usize| {
            let (all_items, values) = ratings.user_ratings(UserIdx::new(u as u32));
            let mean = values.iter().sum::<f32>() / values.len().max(1) as f32;
            all_items
                .iter()
                .zip(values)
                .filter(move |&(_, &v)| v >= mean)
                .map(|(&i, _)| i.index() as u32)
        };
        let liked: Vec<usize> = (0..ratings.n_users())
            .map(|u| liked_by(u).count())
            .collect();
        let cap = films_per_user(&liked);
        // Each user's films, a seeded sample of `cap` for the heaviest.
        let mut user_ptr: Vec<usize> = Vec::with_capacity(ratings.n_users() + 1);
        user_ptr.push(0);
        let mut user_items: Vec<u32> = Vec::with_capacity(ratings.len());
        for (u, &n_liked) in liked.iter().enumerate() {
            if n_liked > cap {
                let mut own: Vec<u32> = liked_by(u).collect();
                Rng::derive(seed, 0x4E16, u as u64).shuffle(&mut own);
                own.truncate(cap);
                user_items.extend(own);
            } else {
                user_items.extend(liked_by(u));
            }
            user_ptr.push(user_items.len());
        }
        // And each item's users, from the same sample.
        let mut support = vec![0u32; n_items];
        for &i in &user_items {
            support[i as usize] += 1;
        }
        let mut item_ptr = vec![0usize; n_items + 1];
        for i in 0..n_items {
            item_ptr[i + 1] = item_ptr[i] + support[i] as usize;
        }
        let mut item_users = vec![0u32; user_items.len()];
        let mut next = item_ptr.clone();
        for u in 0..ratings.n_users() {
            for &i in &user_items[user_ptr[u]..user_ptr[u + 1]] {
                item_users[next[i as usize]] = u as u32;
                next[i as usize] += 1;
            }
        }
        let lists: Vec<Vec<(f32, ItemIdx)>> = (0..n_items)
            .into_par_iter()
            .map_init(
                || (vec![0u32; n_items], Vec::new()),
                |(counts, touched), i| {
                    let n_i = support[i];
                    if n_i == 0 {
                        return Vec::new();
                    }
                    for &u in &item_users[item_ptr[i]..item_ptr[i + 1]] {
                        let u = u as usize;
                        for &j in &user_items[user_ptr[u]..user_ptr[u + 1]] {
                            let c = &mut counts[j as usize];
                            if *c == 0 {
                                touched.push(j);
                            }
                            *c += 1;
                        }
                    }
                    let mut scored: Vec<(f32, ItemIdx)> = Vec::with_capacity(touched.len());
                    for &j in touched.iter() {
                        let co = std::mem::take(&mut counts[j as usize]);
                        if j as usize == i {
                            continue;
                        }
                        let co = co as f32;
                        let cosine = co / (n_i as f32 * support[j as usize] as f32).sqrt();
                        scored.push((cosine * co / (co + NEIGHBOUR_SHRINK), ItemIdx::new(j)));
                    }
                    touched.clear();
                    best_first(&mut scored, NEIGHBOURS);
                    scored
                },
            )
            .collect();
        let mut out = Neighbours {
            offsets: Vec::with_capacity(n_items + 1),
            items: Vec::new(),
            sims: Vec::new(),
            support,
        };
        out.offsets.push(0);
        for list in lists {
            for (s, j) in list {
                out.items.push(j);
                out.sims.push(s);
            }
            out.offsets.push(out.items.len() as u32);
        }
        out
    }

    /// Whether any item has neighbours.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// An item's neighbours with their similarity, best first; none for an item beyond the
    /// table (added to the model after training).
    pub(crate) fn of(&self, item: ItemIdx) -> impl Iterator<Item = (ItemIdx, f32)> + '_ {
        let i = item.index();
        let range = if i + 1 < self.offsets.len() {
            self.offsets[i] as usize..self.offsets[i + 1] as usize
        } else {
            0..0
        };
        self.items[range.clone()]
            .iter()
            .copied()
            .zip(self.sims[range].iter().copied())
    }

    /// The similarity of `b` in `a`'s list, 0 when it is not there.
    pub(crate) fn similarity(&self, a: ItemIdx, b: ItemIdx) -> f32 {
        self.of(a).find(|&(j, _)| j == b).map_or(0.0, |(_, s)| s)
    }

    /// The parts of the table, for the model file: offsets, items, similarities, support.
    pub(crate) fn parts(&self) -> (&[u32], &[ItemIdx], &[f32], &[u32]) {
        (&self.offsets, &self.items, &self.sims, &self.support)
    }

    /// A table from its parts, checked: `None` when they do not fit together.
    pub(crate) fn from_parts(
        offsets: Vec<u32>,
        items: Vec<ItemIdx>,
        sims: Vec<f32>,
        support: Vec<u32>,
        n_items: usize,
    ) -> Option<Self> {
        let fits = offsets.len() == support.len() + 1
            && offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets.last().map(|&o| o as usize) == Some(items.len())
            && items.len() == sims.len()
            && items.iter().all(|i| i.index() < n_items)
            && sims.iter().all(|s| s.is_finite());
        fits.then_some(Self {
            offsets,
            items,
            sims,
            support,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, Scale};

    #[test]
    fn the_films_per_user_shrink_only_as_far_as_the_pairs_budget_needs() {
        // A MovieLens-100k-sized site: the full sample for everyone.
        let small = vec![300; 1000];
        assert_eq!(films_per_user(&small), MAX_USER_ITEMS);
        // Many heavy raters: the largest cap within the budget, and one more would exceed it.
        let heavy = vec![1000; 40_000];
        let cap = films_per_user(&heavy);
        assert!(cap < MAX_USER_ITEMS && cap > MIN_USER_ITEMS, "{cap}");
        assert!(pairs_at(&heavy, cap) <= MAX_PAIRS);
        assert!(pairs_at(&heavy, cap + 1) > MAX_PAIRS);
        // However many raters, never below the floor.
        assert_eq!(films_per_user(&vec![1000; 1_000_000]), MIN_USER_ITEMS);
    }

    #[test]
    fn films_watched_by_the_same_people_are_neighbours_and_support_counts() {
        // Users 0-29 watch films a, b, c; users 30-59 watch d, e; two users watch a and x.
        let mut records = Vec::new();
        for u in 0..60u32 {
            let films: &[&str] = if u < 30 {
                &["a", "b", "c"]
            } else {
                &["d", "e"]
            };
            for f in films {
                records.push((u.to_string(), f.to_string(), 4.0));
            }
        }
        for u in 0..2u32 {
            records.push((u.to_string(), "x".to_owned(), 5.0));
        }
        let data = Dataset::from_records(records, Scale::MOVIELENS);
        let nb = Neighbours::compute(data.ratings(), 7);
        let item = |n: &str| data.items().get(n).unwrap();
        let of_a: Vec<ItemIdx> = nb.of(item("a")).map(|(j, _)| j).collect();
        let mut first = of_a[..2].to_vec();
        first.sort();
        let mut expected = vec![item("b"), item("c")];
        expected.sort();
        assert_eq!(first, expected);
        // x shares two people with a: its cosine is high but its support is not.
        assert!(nb.similarity(item("a"), item("x")) < nb.similarity(item("a"), item("b")) / 2.0);
        assert_eq!(nb.similarity(item("a"), item("d")), 0.0);
        let (offsets, items, sims, support) = nb.parts();
        let back = Neighbours::from_parts(
            offsets.to_vec(),
            items.to_vec(),
            sims.to_vec(),
            support.to_vec(),
            data.items().len(),
        );
        assert_eq!(back.as_ref(), Some(&nb));
        assert!(Neighbours::from_parts(vec![0, 5], vec![], vec![], vec![1], 1).is_none());
    }
}
