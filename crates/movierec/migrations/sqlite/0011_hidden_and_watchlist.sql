-- Movies a user marked "Not interested" (never recommended again) and movies kept aside to
-- watch later (left out of the recommendations, listed on their own).

CREATE TABLE hidden_movies (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, movie_id)
);

CREATE TABLE watchlist (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    movie_id   INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, movie_id)
);

-- Onboarding offers the most voted movies.
CREATE INDEX movies_imdb_votes ON movies (imdb_votes);
