//! Why a training run produced no model.

/// Why a [`Fit`](crate::Fit) (or [`fit`](crate::fit)) produced no model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    /// A real-valued parameter is not finite, or negative where that makes no sense.
    #[error("invalid parameter: {name} = {value}")]
    InvalidParam {
        /// The parameter: a field of [`Params`](crate::Params) or
        /// [`ImplicitParams`](crate::ImplicitParams), or the search's `search_seconds`.
        name: &'static str,
        /// Its value.
        value: f32,
    },
    /// The worker threads could not be started.
    #[error("cannot start {threads} training threads")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// What the thread pool said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Training blew up: a bias, a factor or the training error stopped being a finite number
    /// (typically a learning rate too high for the data).
    #[error(
        "training diverged at epoch {epoch} (training RMSE {train_rmse}); \
         lower the learning rate or raise the regularisation"
    )]
    Diverged {
        /// The epoch (1-based) after which the model was no longer finite.
        epoch: usize,
        /// The training RMSE of that epoch; may be finite when only some rows blew up.
        train_rmse: f64,
    },
}
