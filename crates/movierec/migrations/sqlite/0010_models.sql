-- Trained models, newest last. A row is written only after a training succeeded, in one
-- transaction with the pruning of old rows, so a failed or killed training leaves the
-- previous model serving.
CREATE TABLE models (
    id           INTEGER PRIMARY KEY,
    -- When the training read its ratings: changes after this are not in the model.
    created_at   BIGINT  NOT NULL,
    finished_at  BIGINT  NOT NULL,
    fit_seconds  REAL    NOT NULL,
    algorithm    TEXT    NOT NULL,
    -- The hyper-parameters, as a JSON object.
    params       TEXT    NOT NULL,
    n_ratings    BIGINT  NOT NULL,
    n_users      BIGINT  NOT NULL,
    n_items      BIGINT  NOT NULL,
    -- NULL when there were too few ratings to hold any out.
    holdout_rmse REAL,
    -- Per epoch, a JSON array of {"epoch","train_rmse","holdout_rmse","seconds"}.
    epochs       TEXT    NOT NULL,
    -- The engine's model file.
    data         BLOB    NOT NULL
);

-- The automatic retraining counts ratings changed since the last model read its data.
CREATE INDEX ratings_updated ON ratings (updated_at);
