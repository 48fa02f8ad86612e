-- Details fetched from OMDb / TMDB, one row per movie once the providers answered (even
-- with nothing: `found` 0 keeps a film they do not know from being asked again).
CREATE TABLE movie_details (
    movie_id   INTEGER PRIMARY KEY REFERENCES movies (id) ON DELETE CASCADE,
    found      INTEGER NOT NULL CHECK (found IN (0, 1)),
    plot       TEXT,
    -- Names joined by ", " as the providers list them.
    actors     TEXT,
    writers    TEXT,
    language   TEXT,
    country    TEXT,
    metacritic INTEGER CHECK (metacritic BETWEEN 0 AND 100),
    -- Which providers' data is shown ('omdb', 'tmdb'), comma separated: TMDB's data needs
    -- its attribution notice.
    sources    TEXT    NOT NULL,
    fetched_at BIGINT  NOT NULL
);

-- Posters resized to the sizes the pages use, served from our origin under their hash.
-- Kept in the database beside the details so both are written in one transaction and a
-- backup or a second instance has them too; each is a few kilobytes of JPEG.
CREATE TABLE posters (
    movie_id INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    size     TEXT    NOT NULL CHECK (size IN ('card', 'page')),
    hash     TEXT    NOT NULL,
    width    INTEGER NOT NULL,
    height   INTEGER NOT NULL,
    bytes    BLOB    NOT NULL,
    PRIMARY KEY (movie_id, size)
);

CREATE INDEX posters_hash ON posters (hash);

-- The enrichment job's place: a provider's pause (OMDb's daily limit) outlives a restart.
CREATE TABLE provider_state (
    provider     TEXT   PRIMARY KEY,
    paused_until BIGINT NOT NULL,
    reason       TEXT   NOT NULL
);
