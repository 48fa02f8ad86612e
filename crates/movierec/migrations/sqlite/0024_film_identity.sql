-- One film, one entry.
--
-- `movie_titles`: every other name a source gave a film (MovieLens's "(a.k.a. …)" and
-- bracketed original titles, IMDb's original title, the embedded catalog's title after a
-- merge, titles from users' files), with the year that source gave. Matching compares the
-- key of any of them, and within one year of any of those years, so a film found again by
-- its other name or its other year still merges. The display title stays in `movies`.
CREATE TABLE movie_titles (
    movie_id  INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    -- `importers::titles::key` of `title`.
    title_key TEXT    NOT NULL,
    title     TEXT    NOT NULL,
    year      INTEGER,
    source    TEXT    NOT NULL CHECK (source IN ('embedded', 'movielens', 'imdb', 'user', 'provider')),
    PRIMARY KEY (movie_id, title_key, source)
);

CREATE INDEX movie_titles_key ON movie_titles (title_key);

-- A film merged into another: its old id answers with a redirect to the kept one, so links
-- and bookmarks survive. No reference on `from_id`: that film is gone.
CREATE TABLE movie_redirects (
    from_id   INTEGER PRIMARY KEY,
    to_id     INTEGER NOT NULL REFERENCES movies (id) ON DELETE CASCADE,
    merged_at BIGINT  NOT NULL
);

-- Which source gave `movies.year`: 'imdb' beats 'movielens' beats 'embedded' (IMDb's
-- startYear is the original release; the embedded catalog often gives a later US release).
-- NULL for the embedded catalog's films and those added from a provider: any data set
-- may correct them. An IMDb import rewrites the year of every film it knows by id.
ALTER TABLE movies ADD COLUMN year_source TEXT;

UPDATE movies SET year_source = 'imdb'
 WHERE imdb_id IS NOT NULL AND EXISTS (SELECT 1 FROM catalog_sources WHERE kind = 'imdb');
UPDATE movies SET year_source = 'movielens' WHERE year_source IS NULL AND movielens_id IS NOT NULL;

-- The one count "Most votes" sorts by: IMDb votes, else community raters, else site users.
-- Written by the imports, merges and training (`store::catalog::refresh_votes`).
ALTER TABLE movies ADD COLUMN votes INTEGER;

UPDATE movies SET votes = COALESCE(imdb_votes, community_votes,
    (SELECT COUNT(*) FROM ratings r WHERE r.movie_id = movies.id));

CREATE INDEX movies_votes ON movies (votes);

-- Search reads the alternative titles and sorts by `votes`: both bump the catalog's
-- generation, as the columns search reads do (0019).
DROP TRIGGER movies_changed_bump_catalog;

CREATE TRIGGER movies_changed_bump_catalog
AFTER UPDATE OF title, year, imdb_rating, imdb_votes, imdb_id, votes ON movies
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;

CREATE TRIGGER movie_titles_added_bump_catalog AFTER INSERT ON movie_titles
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;

CREATE TRIGGER movie_titles_removed_bump_catalog AFTER DELETE ON movie_titles
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;
