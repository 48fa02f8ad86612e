-- Movie nights: a few members choosing one film together. Each option of the night is a column
-- here and one filter where the candidates are read, so another option is one column more.
CREATE TABLE nights (
    id             INTEGER PRIMARY KEY,
    creator_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    strategy       TEXT    NOT NULL CHECK (strategy IN ('no-misery', 'least-misery', 'average')),
    -- The secret of the invitation link: whoever opens it logged in may join.
    invite_token   TEXT    NOT NULL UNIQUE,
    -- Genre names left out, as a JSON array of strings.
    exclude_genres TEXT    NOT NULL DEFAULT '[]',
    max_runtime    INTEGER,
    year_from      INTEGER,
    year_to        INTEGER,
    -- Only films in a joined member's media-server library.
    library_only   INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT  NOT NULL
);

-- The creator and everyone invited; joined_at is NULL until an invited member accepts.
CREATE TABLE night_members (
    night_id  INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at BIGINT,
    PRIMARY KEY (night_id, user_id)
);

CREATE INDEX night_members_user ON night_members (user_id);

-- The films put to the vote, fixed at the first vote so that every member ranks the same
-- ones, with their group score then (it breaks ties in the standings).
CREATE TABLE night_ballot (
    night_id    INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
    movie_id    INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    group_score REAL    NOT NULL,
    PRIMARY KEY (night_id, movie_id)
);

-- A member's vote on one film of the ballot: its place in their ranking (1 first), or NULL
-- for a veto. A new vote replaces all of the member's rows.
CREATE TABLE night_votes (
    night_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    movie_id INTEGER NOT NULL,
    place    INTEGER,
    PRIMARY KEY (night_id, user_id, movie_id),
    FOREIGN KEY (night_id, user_id) REFERENCES night_members (night_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (night_id, movie_id) REFERENCES night_ballot (night_id, movie_id) ON DELETE CASCADE
);
