//! Rating data: id maps, the compact rating matrix, and the file loaders.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// Maps external ids (as found in files or the database) to dense indices `0..len`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdMap {
    index: HashMap<String, u32>,
    ids: Vec<String>,
}

impl IdMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, ext: &str) -> Option<u32> {
        self.index.get(ext).copied()
    }

    /// The external id of a dense index. Panics on an index this map never issued.
    pub fn ext(&self, idx: u32) -> &str {
        &self.ids[idx as usize]
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The index of `ext`, adding it if it is new.
    pub fn get_or_insert(&mut self, ext: &str) -> u32 {
        if let Some(&i) = self.index.get(ext) {
            return i;
        }
        let i = u32::try_from(self.ids.len()).expect("more than u32::MAX ids");
        self.ids.push(ext.to_owned());
        self.index.insert(ext.to_owned(), i);
        i
    }

    /// Same as [`IdMap::get_or_insert`].
    pub fn insert(&mut self, ext: &str) -> u32 {
        self.get_or_insert(ext)
    }

    /// External ids in index order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    pub(crate) fn from_ids(ids: Vec<String>) -> Option<Self> {
        let mut index = HashMap::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            if index.insert(id.clone(), u32::try_from(i).ok()?).is_some() {
                return None;
            }
        }
        Some(Self { index, ids })
    }
}

/// The rating scale; predictions are clipped to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub min: f32,
    pub max: f32,
}

impl Scale {
    /// MovieLens ratings: half stars from 0.5 to 5 (older sets use whole stars 1–5).
    pub const MOVIELENS: Scale = Scale { min: 0.5, max: 5.0 };

    /// Clamps to the scale; a NaN (from a diverged model) becomes the middle of the scale so a
    /// bad model still never answers outside it.
    pub fn clip(&self, r: f32) -> f32 {
        if r.is_nan() {
            (self.min + self.max) / 2.0
        } else {
            r.clamp(self.min, self.max)
        }
    }

    pub fn contains(&self, r: f32) -> bool {
        r >= self.min && r <= self.max
    }
}

/// A sparse rating matrix stored twice in compressed rows: by user and by item.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratings {
    n_users: usize,
    n_items: usize,
    scale: Scale,
    entries: Vec<(u32, u32, f32)>,
    user_ptr: Vec<usize>,
    user_items: Vec<u32>,
    user_values: Vec<f32>,
    item_ptr: Vec<usize>,
    item_users: Vec<u32>,
    item_values: Vec<f32>,
}

fn compress(
    n_rows: usize,
    entries: &[(u32, u32, f32)],
    key: impl Fn(&(u32, u32, f32)) -> (u32, u32),
) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
    let mut ptr = vec![0usize; n_rows + 1];
    for e in entries {
        ptr[key(e).0 as usize + 1] += 1;
    }
    for i in 0..n_rows {
        ptr[i + 1] += ptr[i];
    }
    let mut next = ptr.clone();
    let mut cols = vec![0u32; entries.len()];
    let mut vals = vec![0f32; entries.len()];
    for e in entries {
        let (row, col) = key(e);
        let slot = &mut next[row as usize];
        cols[*slot] = col;
        vals[*slot] = e.2;
        *slot += 1;
    }
    (ptr, cols, vals)
}

impl Ratings {
    /// Builds the matrix from `(user, item, rating)` triples.
    ///
    /// # Panics
    /// If a user or item index is out of range; callers index through an [`IdMap`].
    pub fn from_triples(
        n_users: usize,
        n_items: usize,
        entries: Vec<(u32, u32, f32)>,
        scale: Scale,
    ) -> Self {
        assert!(
            entries
                .iter()
                .all(|&(u, i, _)| (u as usize) < n_users && (i as usize) < n_items),
            "rating triple outside the {n_users}x{n_items} matrix"
        );
        let (user_ptr, user_items, user_values) = compress(n_users, &entries, |e| (e.0, e.1));
        let (item_ptr, item_users, item_values) = compress(n_items, &entries, |e| (e.1, e.0));
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

    pub fn n_users(&self) -> usize {
        self.n_users
    }

    pub fn n_items(&self) -> usize {
        self.n_items
    }

    pub fn scale(&self) -> Scale {
        self.scale
    }

    /// Number of ratings.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All `(user, item, rating)` triples in insertion order.
    pub fn entries(&self) -> &[(u32, u32, f32)] {
        &self.entries
    }

    /// The items a user rated and the ratings, in matching order.
    pub fn user_ratings(&self, user: u32) -> (&[u32], &[f32]) {
        let r = self.user_ptr[user as usize]..self.user_ptr[user as usize + 1];
        (&self.user_items[r.clone()], &self.user_values[r])
    }

    /// The users who rated an item and their ratings, in matching order.
    pub fn item_ratings(&self, item: u32) -> (&[u32], &[f32]) {
        let r = self.item_ptr[item as usize]..self.item_ptr[item as usize + 1];
        (&self.item_users[r.clone()], &self.item_values[r])
    }

    pub fn user_count(&self, user: u32) -> usize {
        self.user_ptr[user as usize + 1] - self.user_ptr[user as usize]
    }

    pub fn item_count(&self, item: u32) -> usize {
        self.item_ptr[item as usize + 1] - self.item_ptr[item as usize]
    }

    /// Mean rating, or the middle of the scale when there are no ratings.
    pub fn mean(&self) -> f32 {
        if self.entries.is_empty() {
            return (self.scale.min + self.scale.max) / 2.0;
        }
        let sum: f64 = self.entries.iter().map(|e| f64::from(e.2)).sum();
        (sum / self.entries.len() as f64) as f32
    }
}

/// Why a ratings file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{file}:{line}: {message}")]
    Line {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: no ratings")]
    Empty { file: String },
}

/// Ratings with their id maps: what loaders produce and training consumes.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub users: IdMap,
    pub items: IdMap,
    pub ratings: Ratings,
}

/// Ratings outside this range are rejected: it covers every MovieLens release.
const ACCEPTED: Scale = Scale::MOVIELENS;

impl Dataset {
    /// Loads `u.data` (tab separated), `ratings.dat` (`::`), `ratings.csv` (comma, with header) or
    /// an atomic `.inter` file (tab, typed header). The format is recognised from the content.
    /// The scale is 1–5 when every rating is a whole star of at least 1, else 0.5–5.
    pub fn load(path: &Path) -> Result<Dataset, LoadError> {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::parse(&file, &bytes)
    }

    /// Parses file contents; `file` names the source in error messages.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Dataset, LoadError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            LoadError::Line {
                file: file.to_owned(),
                line,
                message: "not valid UTF-8".into(),
            }
        })?;
        let err = |line: usize, message: String| LoadError::Line {
            file: file.to_owned(),
            line,
            message,
        };
        let mut sep: Option<&str> = None;
        let mut users = IdMap::new();
        let mut items = IdMap::new();
        let mut entries = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let line_no = n + 1;
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let sep = *sep.get_or_insert_with(|| {
                if line.contains("::") {
                    "::"
                } else if line.contains('\t') {
                    "\t"
                } else {
                    ","
                }
            });
            let fields: Vec<&str> = line.split(sep).map(str::trim).collect();
            if !(3..=4).contains(&fields.len()) {
                return Err(err(
                    line_no,
                    format!(
                        "expected 3 or 4 fields (user, item, rating[, timestamp]), found {}",
                        fields.len()
                    ),
                ));
            }
            if entries.is_empty() && fields[2].to_ascii_lowercase().starts_with("rating") {
                continue; // header line
            }
            if fields[0].is_empty() || fields[1].is_empty() {
                return Err(err(line_no, "empty user or item id".into()));
            }
            let rating: f32 = fields[2]
                .parse()
                .map_err(|_| err(line_no, format!("rating {:?} is not a number", fields[2])))?;
            if !ACCEPTED.contains(rating) {
                return Err(err(
                    line_no,
                    format!(
                        "rating {rating} is outside {}–{}",
                        ACCEPTED.min, ACCEPTED.max
                    ),
                ));
            }
            let u = users.get_or_insert(fields[0]);
            let i = items.get_or_insert(fields[1]);
            entries.push((u, i, rating));
        }
        if entries.is_empty() {
            return Err(LoadError::Empty {
                file: file.to_owned(),
            });
        }
        let whole_stars = entries.iter().all(|e| e.2 >= 1.0 && e.2.fract() == 0.0);
        let scale = if whole_stars {
            Scale { min: 1.0, max: 5.0 }
        } else {
            Scale::MOVIELENS
        };
        let ratings = Ratings::from_triples(users.len(), items.len(), entries, scale);
        Ok(Dataset {
            users,
            items,
            ratings,
        })
    }

    /// Builds a data set from `(user id, item id, rating)` records, e.g. database rows.
    /// A later record for the same user and item replaces the earlier one.
    pub fn from_records<I, U, T>(records: I, scale: Scale) -> Dataset
    where
        I: IntoIterator<Item = (U, T, f32)>,
        U: AsRef<str>,
        T: AsRef<str>,
    {
        let mut users = IdMap::new();
        let mut items = IdMap::new();
        let mut slot: HashMap<(u32, u32), usize> = HashMap::new();
        let mut entries = Vec::new();
        for (u, i, r) in records {
            let u = users.get_or_insert(u.as_ref());
            let i = items.get_or_insert(i.as_ref());
            match slot.get(&(u, i)) {
                Some(&s) => entries[s] = (u, i, r),
                None => {
                    slot.insert((u, i), entries.len());
                    entries.push((u, i, r));
                }
            }
        }
        let ratings = Ratings::from_triples(users.len(), items.len(), entries, scale);
        Dataset {
            users,
            items,
            ratings,
        }
    }

    /// Keeps only the given rating rows (indices into `ratings.entries()`), with the same id maps.
    pub fn subset(&self, rows: &[usize]) -> Dataset {
        let all = self.ratings.entries();
        let entries = rows.iter().map(|&r| all[r]).collect();
        Dataset {
            users: self.users.clone(),
            items: self.items.clone(),
            ratings: Ratings::from_triples(
                self.users.len(),
                self.items.len(),
                entries,
                self.ratings.scale(),
            ),
        }
    }

    /// Re-indexes `other` into this data set's ids; ratings of unknown users or items get fresh
    /// indices beyond the known ones (models treat them as unseen).
    pub fn align(&self, other: &Dataset) -> Dataset {
        let mut users = self.users.clone();
        let mut items = self.items.clone();
        let entries: Vec<_> = other
            .ratings
            .entries()
            .iter()
            .map(|&(u, i, r)| {
                (
                    users.get_or_insert(other.users.ext(u)),
                    items.get_or_insert(other.items.ext(i)),
                    r,
                )
            })
            .collect();
        let ratings = Ratings::from_triples(users.len(), items.len(), entries, self.ratings.scale);
        Dataset {
            users,
            items,
            ratings,
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.min, self.max)
    }
}
