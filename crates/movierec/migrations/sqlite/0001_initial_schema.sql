-- The whole first schema. Kept to SQL that PostgreSQL also accepts apart from the
-- key type: integer epoch seconds for times, INTEGER 0/1 instead of BOOLEAN.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT    NOT NULL,
    username_lower TEXT    NOT NULL UNIQUE,
    -- NULL for critic accounts, which therefore can never log in.
    password_hash  TEXT,
    kind           TEXT    NOT NULL CHECK (kind IN ('user', 'critic')),
    created_at     BIGINT  NOT NULL,
    CHECK (kind = 'critic' OR password_hash IS NOT NULL)
);

CREATE TABLE movies (
    id              INTEGER PRIMARY KEY,
    title           TEXT    NOT NULL,
    year            INTEGER,
    release_date    TEXT,
    director        TEXT,
    mpaa            TEXT,
    runtime_min     INTEGER,
    imdb_rating     REAL,
    imdb_votes      INTEGER,
    rotten_tomatoes INTEGER,
    creative_type   TEXT,
    source          TEXT,
    distributor     TEXT,
    -- Filled by a later enrichment step; the embedded catalog has no IMDb ids.
    imdb_id         TEXT
);

CREATE INDEX movies_year ON movies (year);

CREATE TABLE genres (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL UNIQUE
);

CREATE TABLE movie_genres (
    movie_id INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    genre_id INTEGER NOT NULL REFERENCES genres (id) ON DELETE CASCADE,
    PRIMARY KEY (movie_id, genre_id)
);

CREATE INDEX movie_genres_genre ON movie_genres (genre_id);

CREATE TABLE ratings (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    rating     REAL    NOT NULL CHECK (rating >= 0.5 AND rating <= 5.0),
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, movie_id)
);

CREATE INDEX ratings_movie ON ratings (movie_id);
CREATE INDEX ratings_user_updated ON ratings (user_id, updated_at);

-- One row per failed log-in; throttling counts recent rows per account and per address,
-- so it holds across several app instances sharing the database.
CREATE TABLE login_attempts (
    id             INTEGER PRIMARY KEY,
    username_lower TEXT    NOT NULL,
    ip             TEXT    NOT NULL,
    attempted_at   BIGINT  NOT NULL
);

CREATE INDEX login_attempts_user ON login_attempts (username_lower, attempted_at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, attempted_at);
