//! Models whose factors were learned elsewhere, e.g. by Spark's ALS on a cluster.
//!
//! Distributed ALS implementations (Spark MLlib's among them) learn factors without biases. The
//! usual way to combine them with a biased model is to fit the baseline here, hand the
//! distributed job the *residuals* (rating − baseline), and add the factors it learns to that
//! baseline: `global_mean + user_bias + item_bias + p_u · q_i`, the same prediction every model of
//! this crate makes, so fold-in, top-N and similarity work unchanged.

use crate::ids::{ExternalId, ItemIdx, UserIdx};
use crate::model::Model;
use crate::params::Algorithm;

/// Why factors learned elsewhere cannot be added to a model.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum FactorsError {
    /// Zero factors: there is nothing to add.
    #[error("the factors have no dimensions")]
    NoDimensions,
    /// A row has another length than the others.
    #[error("{side} row {index} has {found} factors, expected {expected}")]
    WrongLength {
        /// `"user"` or `"item"`.
        side: &'static str,
        /// The row's index in the model.
        index: usize,
        /// The row's length.
        found: usize,
        /// The number of factors.
        expected: usize,
    },
    /// A row names a user or item the model does not have.
    #[error("{side} index {index} is out of range: the model has {len}")]
    OutOfRange {
        /// `"user"` or `"item"`.
        side: &'static str,
        /// The row's index.
        index: usize,
        /// How many users or items the model has.
        len: usize,
    },
    /// A factor is NaN or infinite.
    #[error("{side} row {index} has a factor that is not a finite number")]
    NotFinite {
        /// `"user"` or `"item"`.
        side: &'static str,
        /// The row's index.
        index: usize,
    },
}

impl<U: ExternalId, T: ExternalId> Model<U, T> {
    /// A model with this model's global mean, biases, ids and scale, and latent factors learned
    /// elsewhere on the residuals of its predictions. Users and items without a row get zero
    /// factors (their prediction stays the baseline's); the result reports [`Algorithm::Als`].
    ///
    /// ```
    /// use movierec_engine::{Algorithm, Dataset, Params, Scale, fit};
    ///
    /// let data = Dataset::from_records(
    ///     [("ann", "alien", 4.0), ("ann", "heat", 2.0), ("bob", "alien", 3.5), ("bob", "up", 3.0)],
    ///     Scale::MOVIELENS,
    /// );
    /// let params = Params::default_for(Algorithm::Baseline);
    /// let baseline = fit(&data, &params)?;
    /// let ann = baseline.users().get("ann").unwrap();
    /// let alien = baseline.items().get("alien").unwrap();
    /// // Two factors per row, as a distributed ALS job might have written them.
    /// let model = baseline
    ///     .with_external_factors(2, [(ann, vec![0.5, 0.1])], [(alien, vec![0.4, -0.2])])
    ///     .unwrap();
    /// let lift = model.predict(&model.user(ann), alien) - baseline.predict(&baseline.user(ann), alien);
    /// assert!((lift - (0.5 * 0.4 - 0.1 * 0.2)).abs() < 1e-4);
    /// # Ok::<(), movierec_engine::FitError>(())
    /// ```
    pub fn with_external_factors(
        &self,
        k: usize,
        users: impl IntoIterator<Item = (UserIdx, Vec<f32>)>,
        items: impl IntoIterator<Item = (ItemIdx, Vec<f32>)>,
    ) -> Result<Self, FactorsError> {
        if k == 0 {
            return Err(FactorsError::NoDimensions);
        }
        let user_factors = fill_rows(
            "user",
            k,
            self.n_users(),
            users.into_iter().map(|(u, row)| (u.index(), row)),
        )?;
        let item_factors = fill_rows(
            "item",
            k,
            self.n_items(),
            items.into_iter().map(|(i, row)| (i.index(), row)),
        )?;
        Ok(Model {
            algorithm: Algorithm::Als,
            user_factors,
            item_factors,
            k,
            ..self.clone()
        })
    }
}

/// Row-major factors of `len` rows, zero where no row was given.
fn fill_rows(
    side: &'static str,
    k: usize,
    len: usize,
    rows: impl Iterator<Item = (usize, Vec<f32>)>,
) -> Result<Vec<f32>, FactorsError> {
    let mut out = vec![0f32; len * k];
    for (index, row) in rows {
        if index >= len {
            return Err(FactorsError::OutOfRange { side, index, len });
        }
        if row.len() != k {
            return Err(FactorsError::WrongLength {
                side,
                index,
                found: row.len(),
                expected: k,
            });
        }
        if !row.iter().all(|x| x.is_finite()) {
            return Err(FactorsError::NotFinite { side, index });
        }
        out[index * k..(index + 1) * k].copy_from_slice(&row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dataset, Params, Scale, fit};

    fn baseline() -> Model {
        let data = Dataset::from_records(
            [
                ("ann", "alien", 4.0),
                ("ann", "heat", 2.0),
                ("bob", "alien", 3.5),
                ("bob", "up", 3.0),
            ],
            Scale::MOVIELENS,
        );
        let params = Params::default_for(Algorithm::Baseline);
        fit(&data, &params).unwrap()
    }

    #[test]
    fn predictions_are_the_baseline_plus_the_dot_product() {
        let base = baseline();
        let ann = base.users().get("ann").unwrap();
        let bob = base.users().get("bob").unwrap();
        let up = base.items().get("up").unwrap();
        let model = base
            .with_external_factors(2, [(ann, vec![0.3, -0.2])], [(up, vec![0.5, 0.5])])
            .unwrap();
        let lift = model.predict(&model.user(ann), up) - base.predict(&base.user(ann), up);
        assert!((lift - 0.05).abs() < 1e-5, "lift {lift}");
        // Bob has no row: zero factors, the baseline's prediction.
        assert_eq!(
            model.predict(&model.user(bob), up),
            base.predict(&base.user(bob), up)
        );
        assert_eq!(model.algorithm(), Algorithm::Als);
        assert_eq!(model.n_factors(), 2);
    }

    #[test]
    fn bad_rows_are_refused_with_their_index() {
        let base = baseline();
        let ann = base.users().get("ann").unwrap();
        let up = base.items().get("up").unwrap();
        let none: [(ItemIdx, Vec<f32>); 0] = [];
        assert_eq!(
            base.with_external_factors(2, [(ann, vec![1.0])], none.clone()),
            Err(FactorsError::WrongLength {
                side: "user",
                index: ann.index(),
                found: 1,
                expected: 2
            })
        );
        assert_eq!(
            base.with_external_factors(1, [(UserIdx::new(7), vec![1.0])], none.clone()),
            Err(FactorsError::OutOfRange {
                side: "user",
                index: 7,
                len: 2
            })
        );
        assert_eq!(
            base.with_external_factors(1, [], [(up, vec![f32::NAN])]),
            Err(FactorsError::NotFinite {
                side: "item",
                index: up.index()
            })
        );
        assert_eq!(
            base.with_external_factors(0, [], none),
            Err(FactorsError::NoDimensions)
        );
    }
}
