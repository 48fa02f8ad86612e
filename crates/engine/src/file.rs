//! The model file: magic, format version, payload, FNV-1a 64 checksum of everything before it.
//!
//! Layout (little endian): `b"MFMODEL\0"`, `u32` version, payload, `u64` checksum. The payload holds
//! the algorithm, `k`, scale, global mean, fold-in regularisation, ranking weight, the user and
//! item ids, biases, factors and item rating counts, each sequence prefixed by its `u32` length.
//! Version 2 appends the implicit-feedback part: a `u8` flag, then when set the blend weight, the
//! implicit model's hyper-parameters and its user and item factors. Version 1 files still load,
//! as models without an implicit part.

use std::io::{self, Read, Write};

use crate::data::Scale;
use crate::ids::{ExternalId, IdMap, ItemIdx};
use crate::implicit::ImplicitModel;
use crate::linalg::Regularisation;
use crate::model::Model;
use crate::neighbours::Neighbours;
use crate::params::{Algorithm, ImplicitParams};

const MAGIC: &[u8; 8] = b"MFMODEL\0";
const VERSION: u32 = 3;
/// The first format, without the implicit part.
const VERSION_1: u32 = 1;
/// The second, without item neighbours and the taste weight.
const VERSION_2: u32 = 2;

/// Why a model file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Reading failed.
    #[error("cannot read the model file")]
    Io(#[from] io::Error),
    /// The file does not start with the model file's magic bytes.
    #[error("not a model file (wrong magic bytes)")]
    NotAModel,
    /// The file is in a format version this program does not read.
    #[error(
        "model file format version {found} is {} than this program supports ({supported})",
        if found > supported { "newer" } else { "older" }
    )]
    UnsupportedVersion {
        /// The file's version.
        found: u32,
        /// The version this program reads and writes.
        supported: u32,
    },
    /// The file ends early.
    #[error("model file is truncated")]
    Truncated,
    /// The checksum does not match the contents.
    #[error("model file is corrupt: checksum mismatch")]
    Checksum,
    /// An id in the file is not one of the id type the model was loaded as: a model of
    /// titles loaded with integer ids.
    #[error("the model's {what} id {id:?} is not an id of the type asked for")]
    Id {
        /// `"user"` or `"item"`.
        what: &'static str,
        /// The id as the file holds it.
        id: String,
    },
    /// The contents are inconsistent.
    #[error("model file is corrupt: {0}")]
    Corrupt(String),
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f32(&mut self, v: f32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) -> io::Result<()> {
        let n = u32::try_from(n)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "model too large"))?;
        self.u32(n);
        Ok(())
    }
    fn f32s(&mut self, v: &[f32]) -> io::Result<()> {
        self.len(v.len())?;
        for &x in v {
            self.f32(x);
        }
        Ok(())
    }
    fn ids<I: Copy + From<u32> + Into<u32>, K: ExternalId>(
        &mut self,
        ids: &IdMap<I, K>,
    ) -> io::Result<()> {
        self.len(ids.len())?;
        for id in ids.ids() {
            let text = id.to_text();
            self.len(text.len())?;
            self.0.extend_from_slice(text.as_bytes());
        }
        Ok(())
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FileError> {
        if self.0.len() < n {
            return Err(FileError::Truncated);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, FileError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, FileError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f32(&mut self) -> Result<f32, FileError> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, FileError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(a))
    }
    /// A length prefix, checked against the bytes left so a corrupt length cannot demand a huge
    /// allocation.
    fn len(&mut self, min_item_bytes: usize) -> Result<usize, FileError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_item_bytes) > self.0.len() {
            return Err(FileError::Truncated);
        }
        Ok(n)
    }
    fn f32s(&mut self) -> Result<Vec<f32>, FileError> {
        let n = self.len(4)?;
        (0..n).map(|_| self.f32()).collect()
    }
    fn ids<I: Copy + From<u32> + Into<u32>, K: ExternalId>(
        &mut self,
        what: &'static str,
    ) -> Result<IdMap<I, K>, FileError> {
        let n = self.len(4)?;
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let len = self.len(1)?;
            let s = std::str::from_utf8(self.take(len)?)
                .map_err(|_| FileError::Corrupt(format!("{what} id is not UTF-8")))?;
            ids.push(K::from_text(s).ok_or_else(|| FileError::Id {
                what,
                id: s.to_owned(),
            })?);
        }
        IdMap::from_ids(ids).ok_or_else(|| FileError::Corrupt(format!("duplicate {what} id")))
    }
}

fn algorithm_code(a: Algorithm) -> u8 {
    match a {
        Algorithm::Baseline => 0,
        Algorithm::Sgd => 1,
        Algorithm::Als => 2,
    }
}

impl<U: ExternalId, T: ExternalId> Model<U, T> {
    /// Writes the model file.
    ///
    /// ```
    /// use movierec_engine::{Dataset, Model, Params, Scale, fit};
    ///
    /// let data = Dataset::from_records([("ann", "alien", 5.0), ("bob", "heat", 3.0)], Scale::MOVIELENS);
    /// let model = fit(&data, &Params::default().with_epochs(2))?;
    /// let mut bytes = Vec::new();
    /// model.save(&mut bytes)?;
    /// assert_eq!(Model::load(bytes.as_slice())?, model);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(&self, mut w: impl Write) -> io::Result<()> {
        let mut out = Writer(Vec::with_capacity(
            64 + 4 * (self.user_factors.len() + self.item_factors.len()),
        ));
        out.0.extend_from_slice(MAGIC);
        out.u32(VERSION);
        out.u8(algorithm_code(self.algorithm));
        out.len(self.k)?;
        out.f32(self.scale.min);
        out.f32(self.scale.max);
        out.f32(self.global_mean);
        out.f32(self.fold_in_reg.factors);
        out.f32(self.fold_in_reg.bias);
        out.u8(u8::from(self.fold_in_reg.per_rating));
        out.f32(self.popularity_weight);
        out.ids(&self.users)?;
        out.ids(&self.items)?;
        out.f32s(&self.user_bias)?;
        out.f32s(&self.item_bias)?;
        out.f32s(&self.user_factors)?;
        out.f32s(&self.item_factors)?;
        out.len(self.item_counts.len())?;
        for &c in &self.item_counts {
            out.u32(c);
        }
        match &self.implicit {
            None => out.u8(0),
            Some(m) => {
                out.u8(1);
                out.f32(self.blend);
                let p = &m.params;
                out.len(p.factors)?;
                out.len(p.epochs)?;
                out.f32(p.reg);
                out.f32(p.reg_exponent);
                out.f32(p.unobserved_weight);
                out.f32(p.alpha);
                out.f32(p.rating_weight);
                out.len(p.cg_steps)?;
                out.f32(p.init_std);
                out.u64(m.seed);
                // Once the training's thread count, which no model depends on: kept as 0
                // so the layout stays.
                out.u32(0);
                out.len(m.k)?;
                out.f32s(&m.user_factors)?;
                out.f32s(&m.item_factors)?;
            }
        }
        out.f32(self.taste);
        let (offsets, items, sims, support) = self.neighbours.parts();
        out.len(support.len())?;
        for &c in support {
            out.u32(c);
        }
        out.len(items.len())?;
        for &o in offsets {
            out.u32(o);
        }
        for &i in items {
            out.u32(i.index() as u32);
        }
        for &v in sims {
            out.f32(v);
        }
        let sum = fnv1a64(&out.0);
        out.0.extend_from_slice(&sum.to_le_bytes());
        w.write_all(&out.0)?;
        w.flush()
    }

    /// Reads a model file. Corrupt, truncated, foreign or other-version files are errors.
    pub fn load(mut r: impl Read) -> Result<Self, FileError> {
        let mut bytes = Vec::new();
        r.read_to_end(&mut bytes)?;
        Self::from_bytes(&bytes)
    }

    /// Reads a model from the bytes of a model file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FileError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(FileError::NotAModel);
        }
        let mut head = Reader(&bytes[MAGIC.len()..]);
        let version = head.u32()?;
        if ![VERSION, VERSION_1, VERSION_2].contains(&version) {
            return Err(FileError::UnsupportedVersion {
                found: version,
                supported: VERSION,
            });
        }
        if bytes.len() < MAGIC.len() + 4 + 8 {
            return Err(FileError::Truncated);
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        let mut sum_bytes = [0u8; 8];
        sum_bytes.copy_from_slice(sum);
        if fnv1a64(body) != u64::from_le_bytes(sum_bytes) {
            return Err(FileError::Checksum);
        }
        let mut r = Reader(&body[MAGIC.len() + 4..]);
        let algorithm = match r.u8()? {
            0 => Algorithm::Baseline,
            1 => Algorithm::Sgd,
            2 => Algorithm::Als,
            other => return Err(FileError::Corrupt(format!("unknown algorithm {other}"))),
        };
        let k = r.u32()? as usize;
        let scale = Scale {
            min: r.f32()?,
            max: r.f32()?,
        };
        let global_mean = r.f32()?;
        let fold_in_reg = Regularisation {
            factors: r.f32()?,
            bias: r.f32()?,
            per_rating: r.u8()? != 0,
        };
        let popularity_weight = r.f32()?;
        let users = r.ids("user")?;
        let items = r.ids("item")?;
        let user_bias = r.f32s()?;
        let item_bias = r.f32s()?;
        let user_factors = r.f32s()?;
        let item_factors = r.f32s()?;
        let n_counts = r.len(4)?;
        let item_counts = (0..n_counts)
            .map(|_| r.u32())
            .collect::<Result<Vec<_>, _>>()?;
        let (implicit, blend) = if version == VERSION_1 || r.u8()? == 0 {
            (None, 0.0)
        } else {
            let blend = r.f32()?;
            let params = ImplicitParams {
                factors: r.u32()? as usize,
                epochs: r.u32()? as usize,
                reg: r.f32()?,
                reg_exponent: r.f32()?,
                unobserved_weight: r.f32()?,
                alpha: r.f32()?,
                rating_weight: r.f32()?,
                cg_steps: r.u32()? as usize,
                init_std: r.f32()?,
            };
            let seed = r.u64()?;
            let _threads = r.u32()?;
            let ik = r.u32()? as usize;
            let user_factors = r.f32s()?;
            let item_factors = r.f32s()?;
            let fits = users.len().checked_mul(ik) == Some(user_factors.len())
                && items.len().checked_mul(ik) == Some(item_factors.len());
            if !fits {
                return Err(FileError::Corrupt(
                    "inconsistent sizes of the implicit part".into(),
                ));
            }
            let model = ImplicitModel::new(params, seed, scale, ik, user_factors, item_factors);
            (Some(model), blend)
        };
        let (taste, neighbours) = if version == VERSION {
            let taste = r.f32()?;
            let n_support = r.len(4)?;
            let support = (0..n_support)
                .map(|_| r.u32())
                .collect::<Result<Vec<_>, _>>()?;
            let n_links = r.len(8)?;
            let offsets = (0..=n_support)
                .map(|_| r.u32())
                .collect::<Result<Vec<_>, _>>()?;
            let linked = (0..n_links)
                .map(|_| r.u32().map(ItemIdx::new))
                .collect::<Result<Vec<_>, _>>()?;
            let sims = (0..n_links)
                .map(|_| r.f32())
                .collect::<Result<Vec<_>, _>>()?;
            let neighbours = Neighbours::from_parts(offsets, linked, sims, support, items.len())
                .ok_or_else(|| FileError::Corrupt("inconsistent item neighbours".into()))?;
            (taste, neighbours)
        } else {
            (0.0, Neighbours::default())
        };
        if !r.0.is_empty() {
            return Err(FileError::Corrupt(
                "unexpected bytes after the model".into(),
            ));
        }
        let (nu, ni) = (users.len(), items.len());
        let consistent = user_bias.len() == nu
            && item_bias.len() == ni
            && item_counts.len() == ni
            && nu.checked_mul(k) == Some(user_factors.len())
            && ni.checked_mul(k) == Some(item_factors.len())
            && scale.min.is_finite()
            && scale.max.is_finite()
            && scale.min <= scale.max;
        if !consistent {
            return Err(FileError::Corrupt("inconsistent sizes or scale".into()));
        }
        let model = Model {
            algorithm,
            global_mean,
            user_bias,
            item_bias,
            user_factors,
            item_factors,
            k,
            scale,
            users,
            items,
            item_counts,
            fold_in_reg,
            popularity_weight,
            implicit,
            blend,
            neighbours,
            taste,
            content: None,
        };
        if !model.is_finite() {
            return Err(FileError::Corrupt(
                "a bias or factor is not a number".into(),
            ));
        }
        Ok(model)
    }
}
