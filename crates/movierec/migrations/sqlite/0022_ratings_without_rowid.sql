-- Ratings keyed by (user, movie) alone: a WITHOUT ROWID table stores each rating once, in
-- its key's B-tree, where a rowid table kept it twice (the rows, and the key's index). A
-- bulk import then writes half as much, and the training read by user and movie is one
-- sequential pass. Rebuilt as 0014 rebuilds `users` (new table, copy, drop, rename), with
-- foreign keys off during migrations; every row and column is kept.
CREATE TABLE ratings_new (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    rating     REAL    NOT NULL CHECK (rating >= 0.5 AND rating <= 5.0),
    updated_at BIGINT  NOT NULL,
    rated_at   BIGINT,
    PRIMARY KEY (user_id, movie_id)
) WITHOUT ROWID;

INSERT INTO ratings_new (user_id, movie_id, rating, updated_at, rated_at)
SELECT user_id, movie_id, rating, updated_at, rated_at FROM ratings ORDER BY user_id, movie_id;

DROP TABLE ratings;
ALTER TABLE ratings_new RENAME TO ratings;

-- `ratings_user_updated (user_id, updated_at)` is not made again: every query of one user's
-- ratings finds them by the key's leading user id, and a user's few hundred rows sort in
-- memory; one index fewer to keep on every write and to rebuild after a bulk import.
CREATE INDEX ratings_movie ON ratings (movie_id);
CREATE INDEX ratings_updated ON ratings (updated_at);
