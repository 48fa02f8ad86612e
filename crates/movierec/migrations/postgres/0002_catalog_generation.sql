-- The twin of SQLite's 0019_catalog_generation: a number bumped by triggers on every change
-- to what title search shows of the catalog, so each process's in-memory index notices a
-- change written by any other.
CREATE TABLE catalog_generation (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);

INSERT INTO catalog_generation (id, generation) VALUES (1, 1);

CREATE FUNCTION bump_catalog_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_generation SET generation = generation + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER movies_added_bump_catalog AFTER INSERT ON movies
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_generation();

CREATE TRIGGER movies_removed_bump_catalog AFTER DELETE ON movies
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_generation();

CREATE TRIGGER movies_changed_bump_catalog
    AFTER UPDATE OF title, year, imdb_rating, imdb_votes, imdb_id ON movies
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_generation();

CREATE TRIGGER movie_genres_added_bump_catalog AFTER INSERT ON movie_genres
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_generation();

CREATE TRIGGER movie_genres_removed_bump_catalog AFTER DELETE ON movie_genres
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_generation();

CREATE TRIGGER movie_genres_changed_bump_catalog AFTER UPDATE ON movie_genres
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_generation();

CREATE TRIGGER genres_renamed_bump_catalog AFTER UPDATE OF name ON genres
    FOR EACH ROW EXECUTE FUNCTION bump_catalog_generation();
