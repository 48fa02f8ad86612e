//! Dense user and item indices, and the maps between them and external ids.

use std::collections::HashMap;
use std::fmt;

macro_rules! dense_index {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(transparent))]
        #[repr(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The index with this value.
            pub const fn new(index: u32) -> Self {
                Self(index)
            }

            /// The index as a `u32`.
            pub const fn get(self) -> u32 {
                self.0
            }

            /// The index as a `usize`, for indexing slices.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl From<u32> for $name {
            fn from(index: u32) -> Self {
                Self(index)
            }
        }

        impl From<$name> for u32 {
            fn from(index: $name) -> Self {
                index.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

dense_index!(
    /// A user's dense index in a [`Ratings`](crate::Ratings) matrix or a [`Model`](crate::Model).
    ///
    /// A distinct type from [`ItemIdx`], so a call with user and item swapped does not compile:
    ///
    /// ```compile_fail
    /// # use movierec_engine::{ItemIdx, Model, User, UserIdx};
    /// fn training_user(model: &Model, user: UserIdx, item: ItemIdx) -> User {
    ///     model.user(item)
    /// }
    /// ```
    UserIdx
);

dense_index!(
    /// An item's dense index in a [`Ratings`](crate::Ratings) matrix or a [`Model`](crate::Model).
    ItemIdx
);

/// Maps external ids (as found in files or a database) to dense indices `0..len`, and back.
///
/// `I` is [`UserIdx`] or [`ItemIdx`].
///
/// ```
/// use movierec_engine::{IdMap, ItemIdx};
///
/// let mut items: IdMap<ItemIdx> = IdMap::new();
/// let alien = items.get_or_insert("1979-alien");
/// assert_eq!(items.get_or_insert("1986-aliens"), ItemIdx::new(1));
/// assert_eq!(items.get_or_insert("1979-alien"), alien);
/// assert_eq!(items.get("1979-alien"), Some(alien));
/// assert_eq!(items.ext(alien), "1979-alien");
/// assert_eq!(items.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IdMap<I> {
    index: HashMap<String, I>,
    ids: Vec<String>,
}

impl<I> Default for IdMap<I> {
    fn default() -> Self {
        Self {
            index: HashMap::new(),
            ids: Vec::new(),
        }
    }
}

impl<I: Copy + From<u32> + Into<u32>> IdMap<I> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of an external id, if the map has it.
    pub fn get(&self, ext: &str) -> Option<I> {
        self.index.get(ext).copied()
    }

    /// The external id of a dense index.
    ///
    /// # Panics
    /// On an index this map never issued.
    pub fn ext(&self, idx: I) -> &str {
        &self.ids[idx.into() as usize]
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the map has no ids.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The index of `ext`, adding it if it is new.
    ///
    /// # Panics
    /// When the map already holds `u32::MAX` ids.
    pub fn get_or_insert(&mut self, ext: &str) -> I {
        if let Some(&i) = self.index.get(ext) {
            return i;
        }
        let i = I::from(u32::try_from(self.ids.len()).expect("more than u32::MAX ids"));
        self.ids.push(ext.to_owned());
        self.index.insert(ext.to_owned(), i);
        i
    }

    /// External ids in index order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// A map from ids in index order; `None` when an id repeats.
    pub(crate) fn from_ids(ids: Vec<String>) -> Option<Self> {
        let mut index = HashMap::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            if index
                .insert(id.clone(), I::from(u32::try_from(i).ok()?))
                .is_some()
            {
                return None;
            }
        }
        Some(Self { index, ids })
    }
}
