//! Rating files: MovieLens `u.data`, `ratings.dat`, `ratings.csv` and atomic `.inter` files.

use std::io;
use std::path::Path;

use crate::data::{Dataset, Rating, Ratings, Scale};
use crate::ids::IdMap;

/// Which ratings a loader accepts, and the scale of the data set it builds.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RatingSet {
    /// Any rating within the scale; the data set has this scale.
    Range(Scale),
    /// Every MovieLens release: 0.5–5. A file of whole stars from 1 up gets the older
    /// releases' 1–5 scale (predictions are clipped to it), any other the 0.5–5 one.
    MovieLens,
}

impl RatingSet {
    /// The ratings accepted.
    pub fn accepted(&self) -> Scale {
        match self {
            RatingSet::Range(scale) => *scale,
            RatingSet::MovieLens => Scale::MOVIELENS,
        }
    }

    /// The scale of a data set of these accepted ratings.
    fn scale_of(&self, entries: &[Rating]) -> Scale {
        match self {
            RatingSet::Range(scale) => *scale,
            RatingSet::MovieLens => {
                let whole_stars = entries
                    .iter()
                    .all(|e| e.value >= 1.0 && e.value.fract() == 0.0);
                if whole_stars {
                    Scale { min: 1.0, max: 5.0 }
                } else {
                    Scale::MOVIELENS
                }
            }
        }
    }
}

impl From<Scale> for RatingSet {
    fn from(scale: Scale) -> Self {
        RatingSet::Range(scale)
    }
}

/// Why a ratings file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {file}")]
    Io {
        /// The file's name.
        file: String,
        /// What the system said.
        #[source]
        source: io::Error,
    },
    /// A line is malformed or has a rating outside the accepted set.
    #[error("{file}:{line}: {message}")]
    Line {
        /// The file's name.
        file: String,
        /// 1-based.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
    /// The file has no ratings.
    #[error("{file}: no ratings")]
    Empty {
        /// The file's name.
        file: String,
    },
}

impl Dataset {
    /// Loads `u.data` (tab separated), `ratings.dat` (`::`), `ratings.csv` (comma, with header) or
    /// an atomic `.inter` file (tab, typed header). The format is recognised from the content;
    /// ratings outside `accept` are errors naming the file and line.
    ///
    /// ```
    /// use movierec_engine::{Dataset, RatingSet};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("u.data");
    /// std::fs::write(&path, "196\t242\t3\t881250949\n186\t302\t3\t891717742\n")?;
    /// let data = Dataset::load(&path, RatingSet::MovieLens)?;
    /// assert_eq!(data.ratings().len(), 2);
    ///
    /// let err = Dataset::load(&dir.path().join("missing.csv"), RatingSet::MovieLens).unwrap_err();
    /// assert_eq!(err.to_string(), "cannot read missing.csv");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(path: &Path, accept: RatingSet) -> Result<Dataset, LoadError> {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
            file: file.clone(),
            source,
        })?;
        Self::parse(&file, &bytes, accept)
    }

    /// Parses file contents; `file` names the source in error messages.
    ///
    /// ```
    /// use movierec_engine::{Dataset, RatingSet, Scale};
    ///
    /// let ten_point = RatingSet::Range(Scale { min: 1.0, max: 10.0 });
    /// let data = Dataset::parse("scores.csv", b"user,item,rating\nann,alien,9\n", ten_point)?;
    /// assert_eq!(data.ratings().scale().max, 10.0);
    ///
    /// let err = Dataset::parse("scores.csv", b"ann,alien,11\n", ten_point).unwrap_err();
    /// assert_eq!(err.to_string(), "scores.csv:1: rating 11 is outside 1–10");
    /// # Ok::<(), movierec_engine::LoadError>(())
    /// ```
    pub fn parse(file: &str, bytes: &[u8], accept: RatingSet) -> Result<Dataset, LoadError> {
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
        let accepted = accept.accepted();
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
            let value: f32 = fields[2]
                .parse()
                .map_err(|_| err(line_no, format!("rating {:?} is not a number", fields[2])))?;
            if !accepted.contains(value) {
                return Err(err(
                    line_no,
                    format!("rating {value} is outside {accepted}"),
                ));
            }
            entries.push(Rating {
                user: users.get_or_insert(fields[0]),
                item: items.get_or_insert(fields[1]),
                value,
            });
        }
        if entries.is_empty() {
            return Err(LoadError::Empty {
                file: file.to_owned(),
            });
        }
        let scale = accept.scale_of(&entries);
        let ratings = Ratings::new(users.len(), items.len(), entries, scale);
        Ok(Dataset::new(users, items, ratings))
    }
}
