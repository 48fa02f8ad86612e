-- A media server's history pull: which account of the server each user linked (their
-- Jellyfin user, their Plex account), how the last sync went, and the films their library
-- holds, played or not ("in your library", "Watch tonight").
CREATE TABLE media_links (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    server      TEXT    NOT NULL CHECK (server IN ('jellyfin', 'plex')),
    -- Jellyfin: the server's id of the user; Plex: the account's name as the server says it.
    account     TEXT    NOT NULL,
    -- Plex: the user's own token; NULL reads with the site's token (the server owner's).
    secret      TEXT,
    linked_at   BIGINT  NOT NULL,
    synced_at   BIGINT,
    -- The last sync's outcome in words: what it found, or why it failed.
    last_result TEXT,
    -- The history report of the last sync that kept one (its unmatched films are matched there).
    last_report BIGINT,
    PRIMARY KEY (user_id, server)
);

CREATE TABLE library_movies (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    server   TEXT    NOT NULL CHECK (server IN ('jellyfin', 'plex')),
    movie_id INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    added_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, server, movie_id)
);

CREATE INDEX library_movies_user_movie ON library_movies (user_id, movie_id);
