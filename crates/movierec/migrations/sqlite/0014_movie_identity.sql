-- Rebuilding `users` (SQLite cannot change a CHECK in place) follows SQLite's documented
-- procedure: new table, copy, drop, rename. It relies on `store::connect` running the
-- migrations with foreign keys off, or dropping the old table would cascade into ratings,
-- lists and devices; the copy keeps every id, so every reference stays valid.
-- Community raters: the people of an imported rating set (MovieLens). Their ratings train
-- the model; they have no password, so they can never log in.
CREATE TABLE users_new (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL,
    username_lower TEXT    NOT NULL UNIQUE,
    password_hash  TEXT,
    kind           TEXT    NOT NULL CHECK (kind IN ('user', 'critic', 'community')),
    created_at     BIGINT  NOT NULL,
    role           TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    session_stamp  TEXT    NOT NULL DEFAULT '',
    CHECK (kind <> 'user' OR password_hash IS NOT NULL),
    CHECK (kind = 'user' OR password_hash IS NULL)
);

INSERT INTO users_new (id, username, username_lower, password_hash, kind, created_at, role,
                       session_stamp)
SELECT id, username, username_lower, password_hash, kind, created_at, role, session_stamp
  FROM users;

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- A movie's ids in the public data sets, each naming at most one movie.
CREATE UNIQUE INDEX movies_imdb_id ON movies (imdb_id) WHERE imdb_id IS NOT NULL;
ALTER TABLE movies ADD COLUMN tmdb_id INTEGER;
CREATE UNIQUE INDEX movies_tmdb_id ON movies (tmdb_id) WHERE tmdb_id IS NOT NULL;
ALTER TABLE movies ADD COLUMN movielens_id INTEGER;
CREATE UNIQUE INDEX movies_movielens_id ON movies (movielens_id) WHERE movielens_id IS NOT NULL;
