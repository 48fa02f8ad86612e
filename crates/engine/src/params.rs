//! The algorithms and their hyper-parameters, with the defaults and the figures that chose them.

use std::fmt;

/// A training algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Algorithm {
    /// Global mean + regularised user and item biases.
    Baseline,
    /// Biased matrix factorisation by stochastic gradient descent (Funk SVD), parallel by blocks.
    Sgd,
    /// Biased matrix factorisation by alternating least squares.
    Als,
}

impl Algorithm {
    /// Every algorithm, in a stable order.
    pub const ALL: [Algorithm; 3] = [Algorithm::Baseline, Algorithm::Sgd, Algorithm::Als];

    /// The lower-case name: `baseline`, `sgd`, `als`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Baseline => "baseline",
            Algorithm::Sgd => "sgd",
            Algorithm::Als => "als",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Hyper-parameters of a training run: what is fitted. How a run goes (its seed, threads,
/// progress, held-out ratings and search budget) is the [`Fit`](crate::Fit) builder's.
///
/// Start from [`Params::default_for`] (or `Params::default()`, the default model) and change
/// what you need, with the `with_` methods or by assigning fields:
///
/// ```
/// use movierec_engine::{Algorithm, Params};
///
/// let p = Params::default_for(Algorithm::Als).with_factors(32);
/// assert_eq!((p.algorithm, p.factors), (Algorithm::Als, 32));
///
/// let mut q = Params::default();
/// q.epochs = 5;
/// assert_eq!(q.algorithm, Algorithm::Sgd);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Params {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Latent factors per user and item (ignored by the baseline).
    pub factors: usize,
    /// Passes over the data (SGD), alternations (ALS) or bias sweeps (baseline).
    pub epochs: usize,
    /// SGD learning rate of the first epoch.
    pub lr: f32,
    /// SGD learning rate multiplier per epoch.
    pub lr_decay: f32,
    /// Factor regularisation (per rating for SGD and ALS).
    pub reg: f32,
    /// Bias regularisation (per rating for SGD and ALS, a total for the baseline).
    pub reg_bias: f32,
    /// Standard deviation of the initial factors.
    pub init_std: f32,
    /// Ranking weight of item support: a rating model alone ranks by the unclipped predicted
    /// rating plus `popularity_weight · ln(1 + ratings of the item)` (see
    /// [`Model::recommend`](crate::Model::recommend)).
    pub popularity_weight: f32,
    /// The implicit-feedback model trained beside the rating model, if any. With it, ranking
    /// blends both models (see [`Model::recommend`](crate::Model::recommend)).
    #[cfg_attr(feature = "serde", serde(default))]
    pub implicit: Option<ImplicitParams>,
    /// The blend's weight of the predicted rating; `None` tunes it on a held-out tenth of the
    /// training ratings (never on anything else).
    #[cfg_attr(feature = "serde", serde(default))]
    pub blend: Option<f32>,
    /// Weight of a short history's neighbour score in the ranking (see
    /// [`Model::recommend`](crate::Model::recommend)); `None` chooses it on the held-out
    /// tenth the blend is tuned on.
    #[cfg_attr(feature = "serde", serde(default))]
    pub taste: Option<f32>,
}

impl Params {
    /// Defaults tuned by 5-fold cross-validation on MovieLens 100k (see the benchmarks).
    ///
    /// SGD (the default model): 50 factors, 30 epochs, learning rate 0.03 decaying by 5% per
    /// epoch, regularisation 0.1 per rating (0.01 on biases), initial factors N(0, 0.05²):
    /// 5-fold RMSE about 0.908 in about 0.1 s per fold. Lower regularisation overfits (0.02:
    /// 0.941); more factors or epochs gain less than 0.002 at several times the cost.
    ///
    /// `popularity_weight` 1.0: ranking by predicted rating alone gives NDCG@10 0.06, below the
    /// most-rated-first list (0.17); weight 1.0 gives 0.19. Weight 1.5 scores 0.004 higher but
    /// starts recommending blockbusters predicted at 3.5 stars over 4.5-star classics.
    pub fn default_for(algorithm: Algorithm) -> Params {
        let common = Params {
            algorithm,
            factors: 0,
            epochs: 10,
            lr: 0.0,
            lr_decay: 1.0,
            reg: 0.0,
            reg_bias: 0.0,
            init_std: 0.05,
            popularity_weight: 1.0,
            implicit: None,
            blend: None,
            taste: None,
        };
        match algorithm {
            Algorithm::Baseline => Params {
                epochs: 10,
                reg_bias: 10.0,
                ..common
            },
            Algorithm::Sgd => Params {
                factors: 50,
                epochs: 30,
                lr: 0.03,
                lr_decay: 0.95,
                reg: 0.1,
                reg_bias: 0.01,
                ..common
            },
            Algorithm::Als => Params {
                factors: 20,
                epochs: 10,
                reg: 0.1,
                reg_bias: 0.1,
                ..common
            },
        }
    }

    /// The recommended model: the default rating model (SGD) with the default implicit-feedback
    /// model beside it, the blend weight tuned while training. Ranking by the blend scores an
    /// NDCG@10 about twice the rating model's on MovieLens 100k (see the benchmarks), and the
    /// rating model still predicts the stars shown.
    ///
    /// ```
    /// use movierec_engine::Params;
    ///
    /// let p = Params::hybrid();
    /// assert!(p.implicit.is_some() && p.blend.is_none());
    /// ```
    pub fn hybrid() -> Params {
        Params {
            implicit: Some(ImplicitParams::default()),
            ..Params::default()
        }
    }

    /// With [`Params::implicit`] set.
    pub fn with_implicit(mut self, implicit: Option<ImplicitParams>) -> Self {
        self.implicit = implicit;
        self
    }

    /// With [`Params::blend`] set.
    pub fn with_blend(mut self, blend: Option<f32>) -> Self {
        self.blend = blend;
        self
    }

    /// With [`Params::taste`] set.
    pub fn with_taste(mut self, taste: Option<f32>) -> Self {
        self.taste = taste;
        self
    }

    /// With [`Params::factors`] set.
    pub fn with_factors(mut self, factors: usize) -> Self {
        self.factors = factors;
        self
    }

    /// With [`Params::epochs`] set.
    pub fn with_epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// With [`Params::lr`] set.
    pub fn with_lr(mut self, lr: f32) -> Self {
        self.lr = lr;
        self
    }

    /// With [`Params::lr_decay`] set.
    pub fn with_lr_decay(mut self, lr_decay: f32) -> Self {
        self.lr_decay = lr_decay;
        self
    }

    /// With [`Params::reg`] set.
    pub fn with_reg(mut self, reg: f32) -> Self {
        self.reg = reg;
        self
    }

    /// With [`Params::reg_bias`] set.
    pub fn with_reg_bias(mut self, reg_bias: f32) -> Self {
        self.reg_bias = reg_bias;
        self
    }

    /// With [`Params::init_std`] set.
    pub fn with_init_std(mut self, init_std: f32) -> Self {
        self.init_std = init_std;
        self
    }

    /// With [`Params::popularity_weight`] set.
    pub fn with_popularity_weight(mut self, popularity_weight: f32) -> Self {
        self.popularity_weight = popularity_weight;
        self
    }

    /// The first real-valued parameter that is not finite, or negative where that makes no
    /// sense (a negative popularity weight is a legitimate preference for rare items).
    pub(crate) fn invalid(&self) -> Option<(&'static str, f32)> {
        [
            ("lr", self.lr),
            ("lr_decay", self.lr_decay),
            ("reg", self.reg),
            ("reg_bias", self.reg_bias),
            ("init_std", self.init_std),
        ]
        .into_iter()
        .find(|(_, v)| !(v.is_finite() && *v >= 0.0))
        .or_else(|| {
            (!self.popularity_weight.is_finite())
                .then_some(("popularity_weight", self.popularity_weight))
        })
        .or_else(|| self.blend.filter(|b| !b.is_finite()).map(|b| ("blend", b)))
        .or_else(|| self.implicit.as_ref().and_then(ImplicitParams::invalid))
    }
}

impl Default for Params {
    fn default() -> Self {
        Params::default_for(Algorithm::Sgd)
    }
}

/// Hyper-parameters of the implicit-feedback model (weighted ALS on who rated what), trained
/// beside the rating model ([`Params::implicit`]) or alone (a [`Fit`](crate::Fit) of these).
///
/// The loss, over every user `u` and item `i` with `ŷ = x_u · y_i` (Hu, Koren & Volinsky 2008,
/// with the unobserved weight and the frequency-scaled regularisation of Rendle et al. 2021):
///
/// `Σ_observed w_ui (1 − ŷ)² + unobserved_weight · Σ_all ŷ² + reg · Σ_u (n_u + unobserved_weight · n_items)^reg_exponent |x_u|² + (the same for items)`
///
/// where `w_ui = alpha · (1 + rating_weight · t)` and `t` is the rating's place on the scale,
/// 0 at the lowest and 1 at the highest (an item seen but not rated counts as the middle).
///
/// ```
/// use movierec_engine::ImplicitParams;
///
/// let p = ImplicitParams::default().with_factors(32).with_epochs(8);
/// assert_eq!((p.factors, p.epochs), (32, 8));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ImplicitParams {
    /// Latent factors per user and item.
    pub factors: usize,
    /// Alternations (a user pass and an item pass each).
    pub epochs: usize,
    /// Regularisation, scaled by the row's frequency as above.
    pub reg: f32,
    /// Exponent of the frequency scaling (0 = the same penalty for every row, 1 = in
    /// proportion to the row's observations).
    pub reg_exponent: f32,
    /// Weight of every user–item pair towards a preference of 0 (α₀).
    pub unobserved_weight: f32,
    /// Extra weight of an observed pair towards a preference of 1.
    pub alpha: f32,
    /// How much a higher rating adds to an observed pair's weight (0 = binarised ratings).
    pub rating_weight: f32,
    /// Conjugate-gradient steps per row and pass, warm-started from the row's last value
    /// (0 = an exact solve, which costs `k³` per row).
    pub cg_steps: usize,
    /// Standard deviation of the initial factors.
    pub init_std: f32,
}

impl Default for ImplicitParams {
    /// Tuned on the first of the benchmark's MovieLens 100k folds (NDCG@10 of the model alone):
    /// 64 factors, 12 epochs, regularisation 0.02 scaled by frequency (exponent 1), unobserved
    /// weight 0.3, binarised ratings: 0.363. Regularisation 0.006 scores 0.26 and 0.05 scores
    /// 0.30; unobserved weight 0.1 scores 0.34; weighting observed pairs by rating (1.0) 0.359.
    fn default() -> Self {
        ImplicitParams {
            factors: 64,
            epochs: 12,
            reg: 0.02,
            reg_exponent: 1.0,
            unobserved_weight: 0.3,
            alpha: 1.0,
            rating_weight: 0.0,
            cg_steps: 3,
            init_std: 0.1,
        }
    }
}

impl ImplicitParams {
    /// With [`ImplicitParams::factors`] set.
    pub fn with_factors(mut self, factors: usize) -> Self {
        self.factors = factors;
        self
    }

    /// With [`ImplicitParams::epochs`] set.
    pub fn with_epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// With [`ImplicitParams::reg`] set.
    pub fn with_reg(mut self, reg: f32) -> Self {
        self.reg = reg;
        self
    }

    /// With [`ImplicitParams::unobserved_weight`] set.
    pub fn with_unobserved_weight(mut self, weight: f32) -> Self {
        self.unobserved_weight = weight;
        self
    }

    /// With [`ImplicitParams::cg_steps`] set.
    pub fn with_cg_steps(mut self, steps: usize) -> Self {
        self.cg_steps = steps;
        self
    }

    /// The first real-valued parameter that is not a finite non-negative number.
    pub(crate) fn invalid(&self) -> Option<(&'static str, f32)> {
        [
            ("reg", self.reg),
            ("reg_exponent", self.reg_exponent),
            ("unobserved_weight", self.unobserved_weight),
            ("alpha", self.alpha),
            ("rating_weight", self.rating_weight),
            ("init_std", self.init_std),
        ]
        .into_iter()
        .find(|(_, v)| !(v.is_finite() && *v >= 0.0))
    }
}
