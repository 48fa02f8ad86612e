//! Dense user and item indices, and the maps between them and external ids.

use std::borrow::{Borrow, Cow};
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

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

/// How a caller names users and items: strings (what rating files and the examples use),
/// integers, or a caller's own id type. A model file stores each id as its text, so a model
/// saved with one id type loads with any other that reads the same text back (a model of
/// `i64` ids loads as `String`s, and the other way round when the strings are numbers).
///
/// ```
/// use movierec_engine::ExternalId;
///
/// /// A film's id in the caller's database.
/// #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
/// struct FilmId(u32);
///
/// impl ExternalId for FilmId {
///     fn to_text(&self) -> std::borrow::Cow<'_, str> {
///         self.0.to_string().into()
///     }
///     fn from_text(text: &str) -> Option<Self> {
///         text.parse().ok().map(FilmId)
///     }
/// }
///
/// assert_eq!(FilmId::from_text(&FilmId(42).to_text()), Some(FilmId(42)));
/// ```
pub trait ExternalId: Clone + Eq + Hash + fmt::Debug + Send + Sync {
    /// The id's text, as the model file stores it.
    fn to_text(&self) -> Cow<'_, str>;
    /// The id whose text is `text`; `None` when `text` names no id of this type.
    fn from_text(text: &str) -> Option<Self>;
}

impl ExternalId for String {
    fn to_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }

    fn from_text(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

macro_rules! integer_ids {
    ($($int:ty),*) => {$(
        impl ExternalId for $int {
            fn to_text(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }

            fn from_text(text: &str) -> Option<Self> {
                text.parse().ok()
            }
        }
    )*};
}

integer_ids!(i32, i64, u32, u64);

/// Maps external ids (as found in files or a database) to dense indices `0..len`, and back.
///
/// `I` is [`UserIdx`] or [`ItemIdx`]; `K`, the external id, is any [`ExternalId`]: `String`
/// by default, or the caller's own type, which then comes back as it went in.
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
///
/// let mut movies: IdMap<ItemIdx, i64> = IdMap::new();
/// let heat = movies.get_or_insert(&949);
/// assert_eq!((movies.get(&949), *movies.ext(heat)), (Some(heat), 949));
/// ```
#[derive(Debug, Clone)]
pub struct IdMap<I, K = String> {
    index: HashMap<K, I>,
    ids: Vec<K>,
}

impl<I, K> Default for IdMap<I, K> {
    fn default() -> Self {
        Self {
            index: HashMap::new(),
            ids: Vec::new(),
        }
    }
}

/// Equal when they hold the same ids in the same order (the index follows from the ids).
impl<I, K: PartialEq> PartialEq for IdMap<I, K> {
    fn eq(&self, other: &Self) -> bool {
        self.ids == other.ids
    }
}

impl<I: Copy + From<u32> + Into<u32>, K: ExternalId> IdMap<I, K> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of an external id, if the map has it.
    pub fn get<Q>(&self, ext: &Q) -> Option<I>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.get(ext).copied()
    }

    /// The external id of a dense index.
    ///
    /// # Panics
    /// On an index this map never issued.
    pub fn ext(&self, idx: I) -> &K {
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
    pub fn get_or_insert<Q>(&mut self, ext: &Q) -> I
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(&i) = self.index.get(ext) {
            return i;
        }
        let i = I::from(u32::try_from(self.ids.len()).expect("more than u32::MAX ids"));
        self.ids.push(ext.to_owned());
        self.index.insert(ext.to_owned(), i);
        i
    }

    /// External ids in index order.
    pub fn ids(&self) -> &[K] {
        &self.ids
    }

    /// A map from ids in index order; `None` when an id repeats.
    pub(crate) fn from_ids(ids: Vec<K>) -> Option<Self> {
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
