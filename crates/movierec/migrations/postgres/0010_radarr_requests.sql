-- Films requested from Radarr: one row per film and person who asked for it. A film with any
-- row shows "Requested" to everyone, and is never sent to Radarr again.
CREATE TABLE radarr_requests (
    movie_id     BIGINT  NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- 'requested': added to Radarr by this site; 'already': Radarr had the film already.
    state        TEXT    NOT NULL CHECK (state IN ('requested', 'already')),
    requested_at BIGINT  NOT NULL,
    PRIMARY KEY (movie_id, user_id)
);

CREATE INDEX radarr_requests_user ON radarr_requests (user_id, requested_at);

-- A person's choices for the list Radarr polls: their watchlist, and their top picks too
-- when they chose so.
CREATE TABLE radarr_lists (
    user_id   BIGINT  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    top_picks BOOLEAN NOT NULL DEFAULT FALSE
);
