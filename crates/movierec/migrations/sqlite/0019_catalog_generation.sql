-- A number that grows with every change to what title search shows of the catalog: each app
-- process keeps its search index in memory and compares this number with the one it built
-- from on every search, so a change written by any process (an import on the command line,
-- enrichment, an admin's edit, another instance) shows at once. Triggers bump it, so no
-- writer can forget to; only the columns search reads count, so a community average or a
-- poster never forces a rebuild. (PostgreSQL: the same triggers as trigger functions.)
CREATE TABLE catalog_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);

INSERT INTO catalog_generation (id, generation) VALUES (1, 1);

CREATE TRIGGER movies_added_bump_catalog AFTER INSERT ON movies
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;

CREATE TRIGGER movies_removed_bump_catalog AFTER DELETE ON movies
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;

CREATE TRIGGER movies_changed_bump_catalog
AFTER UPDATE OF title, year, imdb_rating, imdb_votes, imdb_id ON movies
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;

CREATE TRIGGER movie_genres_added_bump_catalog AFTER INSERT ON movie_genres
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;

CREATE TRIGGER movie_genres_removed_bump_catalog AFTER DELETE ON movie_genres
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;

CREATE TRIGGER movie_genres_changed_bump_catalog AFTER UPDATE ON movie_genres
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;

CREATE TRIGGER genres_renamed_bump_catalog AFTER UPDATE OF name ON genres
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
END;
