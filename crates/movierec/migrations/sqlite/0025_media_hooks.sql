-- A media server's webhooks: each user's secret token (the URL they paste into Jellyfin,
-- Plex or Emby), and what arrived through it: the user's activity ("Seen via Plex"), and a
-- film the catalog does not know kept as pending until the user matches it.
CREATE TABLE media_hooks (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The token's first characters find the row; the whole token is then compared in
    -- constant time, so the time an answer takes says nothing about a guessed token.
    lookup       TEXT    NOT NULL UNIQUE,
    token        TEXT    NOT NULL,
    -- Plex: also take the plays of the server's shared users, not only the owner's.
    shared_users INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL
);

CREATE TABLE media_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    server     TEXT    NOT NULL CHECK (server IN ('jellyfin', 'plex', 'emby')),
    action     TEXT    NOT NULL CHECK (action IN ('seen', 'unseen', 'liked', 'unliked', 'rated', 'unrated')),
    -- NULL while the film is pending a match.
    movie_id   INTEGER REFERENCES movies (id) ON DELETE CASCADE,
    rating     REAL,
    title      TEXT,
    year       INTEGER,
    imdb_id    TEXT,
    tmdb_id    INTEGER,
    created_at BIGINT  NOT NULL
);

CREATE INDEX media_events_user ON media_events (user_id, created_at);
