-- Films a user has watched without rating them (imported from another service): never
-- recommended again, and a signal for the implicit model. `watched_at` is when, as the
-- source said; `created_at` when the mark reached this site.
CREATE TABLE seen_movies (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    watched_at BIGINT,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, movie_id)
);

-- When an imported rating was given, as its file says; NULL for ratings given here, whose
-- `updated_at` says it. `updated_at` stays the time a rating reached this site, which
-- decides when to retrain.
ALTER TABLE ratings ADD COLUMN rated_at BIGINT;

-- Titles a user matched to a movie by hand, so the next import of the same history
-- matches them without asking. `title_key` is the folded title and year of the row.
CREATE TABLE import_matches (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title_key  TEXT    NOT NULL,
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, title_key)
);

-- Uploaded histories: kept from the preview until applied (`data`, emptied then), and the
-- report of what was applied (`report`, JSON: counts and the unmatched rows to match by
-- hand).
CREATE TABLE history_imports (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name  TEXT    NOT NULL,
    data       BLOB    NOT NULL,
    conflicts  TEXT    NOT NULL,
    report     TEXT,
    created_at BIGINT  NOT NULL,
    applied_at BIGINT
);

CREATE INDEX history_imports_user ON history_imports (user_id, created_at);
