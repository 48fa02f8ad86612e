//! Rating data: the scale, the compact rating matrix, and data sets with their id maps.

use std::collections::HashMap;
use std::fmt;

use crate::ids::{ExternalId, IdMap, ItemIdx, UserIdx};

/// The rating scale; predictions are clipped to it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Scale {
    /// The lowest rating.
    pub min: f32,
    /// The highest rating.
    pub max: f32,
}

impl Scale {
    /// MovieLens ratings: half stars from 0.5 to 5 (older sets use whole stars 1–5).
    pub const MOVIELENS: Scale = Scale { min: 0.5, max: 5.0 };

    /// Clamps a prediction to the scale. NaN stays NaN: a model that produces it is broken,
    /// and hiding that behind a plausible rating would make it look healthy.
    ///
    /// ```
    /// use movierec_engine::Scale;
    ///
    /// assert_eq!(Scale::MOVIELENS.clip(7.2), 5.0);
    /// assert_eq!(Scale::MOVIELENS.clip(-1.0), 0.5);
    /// assert!(Scale::MOVIELENS.clip(f32::NAN).is_nan());
    /// ```
    pub fn clip(&self, r: f32) -> f32 {
        r.clamp(self.min, self.max)
    }

    /// Whether `r` is a rating on this scale (NaN is not).
    pub fn contains(&self, r: f32) -> bool {
        r >= self.min && r <= self.max
    }

    /// The middle of the scale.
    pub fn middle(&self) -> f32 {
        (self.min + self.max) / 2.0
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.min, self.max)
    }
}

/// One rating: a user's value for an item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rating {
    /// Who rated.
    pub user: UserIdx,
    /// What was rated.
    pub item: ItemIdx,
    /// The rating.
    pub value: f32,
}

/// A sparse rating matrix stored twice in compressed rows: by user and by item.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratings {
    n_users: usize,
    n_items: usize,
    scale: Scale,
    entries: Vec<Rating>,
    user_ptr: Vec<usize>,
    user_items: Vec<ItemIdx>,
    user_values: Vec<f32>,
    item_ptr: Vec<usize>,
    item_users: Vec<UserIdx>,
    item_values: Vec<f32>,
}

/// Compressed rows of `entries` keyed by `key` = (row, column).
fn compress<C>(
    n_rows: usize,
    entries: &[Rating],
    key: impl Fn(&Rating) -> (usize, C),
) -> (Vec<usize>, Vec<C>, Vec<f32>)
where
    C: Copy + Default,
{
    let mut ptr = vec![0usize; n_rows + 1];
    for e in entries {
        ptr[key(e).0 + 1] += 1;
    }
    for i in 0..n_rows {
        ptr[i + 1] += ptr[i];
    }
    let mut next = ptr.clone();
    let mut cols = vec![C::default(); entries.len()];
    let mut vals = vec![0f32; entries.len()];
    for e in entries {
        let (row, col) = key(e);
        let slot = &mut next[row];
        cols[*slot] = col;
        vals[*slot] = e.value;
        *slot += 1;
    }
    (ptr, cols, vals)
}

impl Ratings {
    /// Builds the matrix of `n_users` × `n_items` from its ratings.
    ///
    /// # Panics
    /// If a user or item index is out of range; callers index through an [`IdMap`].
    pub fn new(n_users: usize, n_items: usize, entries: Vec<Rating>, scale: Scale) -> Self {
        assert!(
            entries
                .iter()
                .all(|e| e.user.index() < n_users && e.item.index() < n_items),
            "rating outside the {n_users}x{n_items} matrix"
        );
        // The two directions are independent: on tens of millions of ratings each takes
        // seconds, so they are built side by side.
        let ((user_ptr, user_items, user_values), (item_ptr, item_users, item_values)) =
            rayon::join(
                || compress(n_users, &entries, |e| (e.user.index(), e.item)),
                || compress(n_items, &entries, |e| (e.item.index(), e.user)),
            );
        Self {
            n_users,
            n_items,
            scale,
            entries,
            user_ptr,
            user_items,
            user_values,
            item_ptr,
            item_users,
            item_values,
        }
    }

    /// Number of users (rows), including users without ratings.
    pub fn n_users(&self) -> usize {
        self.n_users
    }

    /// Number of items (columns), including items without ratings.
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// The rating scale.
    pub fn scale(&self) -> Scale {
        self.scale
    }

    /// Number of ratings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no ratings.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All ratings in insertion order.
    pub fn entries(&self) -> &[Rating] {
        &self.entries
    }

    /// The items a user rated and the ratings, in matching order.
    ///
    /// # Panics
    /// If `user` is out of range.
    pub fn user_ratings(&self, user: UserIdx) -> (&[ItemIdx], &[f32]) {
        let r = self.user_ptr[user.index()]..self.user_ptr[user.index() + 1];
        (&self.user_items[r.clone()], &self.user_values[r])
    }

    /// The users who rated an item and their ratings, in matching order.
    ///
    /// # Panics
    /// If `item` is out of range.
    pub fn item_ratings(&self, item: ItemIdx) -> (&[UserIdx], &[f32]) {
        let r = self.item_ptr[item.index()]..self.item_ptr[item.index() + 1];
        (&self.item_users[r.clone()], &self.item_values[r])
    }

    /// Number of ratings of a user.
    ///
    /// # Panics
    /// If `user` is out of range.
    pub fn user_count(&self, user: UserIdx) -> usize {
        self.user_ptr[user.index() + 1] - self.user_ptr[user.index()]
    }

    /// Number of ratings of an item.
    ///
    /// # Panics
    /// If `item` is out of range.
    pub fn item_count(&self, item: ItemIdx) -> usize {
        self.item_ptr[item.index() + 1] - self.item_ptr[item.index()]
    }

    /// Mean rating, or the middle of the scale when there are no ratings.
    pub fn mean(&self) -> f32 {
        if self.entries.is_empty() {
            return self.scale.middle();
        }
        let sum: f64 = self.entries.iter().map(|e| f64::from(e.value)).sum();
        (sum / self.entries.len() as f64) as f32
    }
}

/// Ratings with their id maps: what loaders produce and training consumes.
///
/// `U` and `T` are the caller's user and item ids (any [`ExternalId`]); they stay what they
/// were through training, so a [`Model`](crate::Model) answers in them. Rating files give
/// `String`s, the default.
///
/// ```
/// use movierec_engine::{Dataset, Scale};
///
/// let data = Dataset::from_records(
///     [("ann", "alien", 5.0), ("ann", "heat", 3.5), ("bob", "alien", 4.0)],
///     Scale::MOVIELENS,
/// );
/// assert_eq!((data.users().len(), data.items().len()), (2, 2));
/// let alien = data.items().get("alien").unwrap();
/// assert_eq!(data.ratings().item_count(alien), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<U = String, T = String> {
    users: IdMap<UserIdx, U>,
    items: IdMap<ItemIdx, T>,
    ratings: Ratings,
}

impl Dataset {
    /// Builds a data set from `(user id, item id, rating)` records, e.g. database rows.
    /// A later record for the same user and item replaces the earlier one. The ids are
    /// strings; [`Dataset::from_typed_records`] keeps the caller's own.
    pub fn from_records<I, U, T>(records: I, scale: Scale) -> Dataset
    where
        I: IntoIterator<Item = (U, T, f32)>,
        U: AsRef<str>,
        T: AsRef<str>,
    {
        let mut users = IdMap::new();
        let mut items = IdMap::new();
        let entries = last_wins(records.into_iter().map(|(u, i, value)| Rating {
            user: users.get_or_insert(u.as_ref()),
            item: items.get_or_insert(i.as_ref()),
            value,
        }));
        let ratings = Ratings::new(users.len(), items.len(), entries, scale);
        Dataset::new(users, items, ratings)
    }
}

/// The ratings in order, a later rating of the same user and item replacing the earlier one.
fn last_wins(records: impl Iterator<Item = Rating>) -> Vec<Rating> {
    let mut slot: HashMap<(UserIdx, ItemIdx), usize> = HashMap::new();
    let mut entries = Vec::new();
    for rating in records {
        match slot.get(&(rating.user, rating.item)) {
            Some(&s) => entries[s] = rating,
            None => {
                slot.insert((rating.user, rating.item), entries.len());
                entries.push(rating);
            }
        }
    }
    entries
}

impl<U: ExternalId, T: ExternalId> Dataset<U, T> {
    /// A data set from its parts.
    ///
    /// # Panics
    /// If `ratings` is not `users.len()` × `items.len()`.
    pub fn new(users: IdMap<UserIdx, U>, items: IdMap<ItemIdx, T>, ratings: Ratings) -> Self {
        assert_eq!(
            (ratings.n_users(), ratings.n_items()),
            (users.len(), items.len()),
            "ratings and id maps disagree on the matrix size"
        );
        Self {
            users,
            items,
            ratings,
        }
    }

    /// The users' external ids.
    pub fn users(&self) -> &IdMap<UserIdx, U> {
        &self.users
    }

    /// The items' external ids.
    pub fn items(&self) -> &IdMap<ItemIdx, T> {
        &self.items
    }

    /// The rating matrix.
    pub fn ratings(&self) -> &Ratings {
        &self.ratings
    }

    /// The rating matrix, without the id maps.
    pub fn into_ratings(self) -> Ratings {
        self.ratings
    }

    /// [`Dataset::from_records`] with the caller's own ids, which the data set and the
    /// models trained on it keep.
    ///
    /// ```
    /// use movierec_engine::{Dataset, Scale};
    ///
    /// let data: Dataset<u32, i64> =
    ///     Dataset::from_typed_records([(7, 949, 4.5), (7, 1_000, 3.0), (9, 949, 2.0)], Scale::MOVIELENS);
    /// let heat = data.items().get(&949).unwrap();
    /// assert_eq!((data.ratings().item_count(heat), *data.items().ext(heat)), (2, 949));
    /// ```
    pub fn from_typed_records<I>(records: I, scale: Scale) -> Self
    where
        I: IntoIterator<Item = (U, T, f32)>,
    {
        let mut users = IdMap::new();
        let mut items = IdMap::new();
        let entries = last_wins(records.into_iter().map(|(u, i, value)| Rating {
            user: users.get_or_insert(&u),
            item: items.get_or_insert(&i),
            value,
        }));
        let ratings = Ratings::new(users.len(), items.len(), entries, scale);
        Dataset::new(users, items, ratings)
    }

    /// Keeps only the given rating rows (indices into `ratings().entries()`), with the same id
    /// maps.
    ///
    /// # Panics
    /// If a row is out of range.
    pub fn subset(&self, rows: &[usize]) -> Self {
        let all = self.ratings.entries();
        let entries = rows.iter().map(|&r| all[r]).collect();
        Dataset {
            users: self.users.clone(),
            items: self.items.clone(),
            ratings: Ratings::new(
                self.users.len(),
                self.items.len(),
                entries,
                self.ratings.scale(),
            ),
        }
    }

    /// Re-indexes `other` into this data set's ids; ratings of unknown users or items get fresh
    /// indices beyond the known ones (models treat them as unseen).
    pub fn align(&self, other: &Self) -> Self {
        let mut users = self.users.clone();
        let mut items = self.items.clone();
        let entries: Vec<Rating> = other
            .ratings
            .entries()
            .iter()
            .map(|e| Rating {
                user: users.get_or_insert(other.users.ext(e.user)),
                item: items.get_or_insert(other.items.ext(e.item)),
                value: e.value,
            })
            .collect();
        let ratings = Ratings::new(users.len(), items.len(), entries, self.ratings.scale);
        Dataset {
            users,
            items,
            ratings,
        }
    }
}

/// Builds a [`Dataset`] from ratings one at a time, as a database streams them: each rating
/// costs 12 bytes and no copy of its ids. Gives the same data set as
/// [`Dataset::from_typed_records`] on the same ratings.
///
/// Each user and item pair must come at most once (a table keyed by both gives that): unlike
/// `from_typed_records`, the builder keeps no map of pairs, which on tens of millions of
/// ratings would take more memory and time than the ratings themselves.
///
/// ```
/// use movierec_engine::{DatasetBuilder, Scale};
///
/// let mut builder = DatasetBuilder::new();
/// builder.push(7_i64, 42_i64, 4.5);
/// builder.push(7, 43, 3.0);
/// builder.push(9, 42, 2.0);
/// let data = builder.build(Scale::MOVIELENS);
/// assert_eq!((data.users().len(), data.items().len()), (2, 2));
/// assert_eq!(data.ratings().item_count(data.items().get(&42).unwrap()), 2);
/// ```
#[derive(Debug)]
pub struct DatasetBuilder<U, T> {
    users: IdMap<UserIdx, U>,
    items: IdMap<ItemIdx, T>,
    /// The last user seen: rows usually come grouped by user.
    last_user: Option<(U, UserIdx)>,
    entries: Vec<Rating>,
}

impl<U, T> Default for DatasetBuilder<U, T> {
    fn default() -> Self {
        Self {
            users: IdMap::default(),
            items: IdMap::default(),
            last_user: None,
            entries: Vec::new(),
        }
    }
}

impl<U: ExternalId, T: ExternalId> DatasetBuilder<U, T> {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of ratings pushed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no rating was pushed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds user `user`'s rating `value` of item `item`.
    pub fn push(&mut self, user: U, item: T, value: f32) {
        let user = match &self.last_user {
            Some((id, idx)) if *id == user => *idx,
            _ => {
                let idx = self.users.get_or_insert(&user);
                self.last_user = Some((user, idx));
                idx
            }
        };
        let item = self.items.get_or_insert(&item);
        self.entries.push(Rating { user, item, value });
    }

    /// The data set of the ratings pushed, on `scale`.
    pub fn build(self, scale: Scale) -> Dataset<U, T> {
        let ratings = Ratings::new(self.users.len(), self.items.len(), self.entries, scale);
        Dataset::new(self.users, self.items, ratings)
    }
}
