-- What the data set imports bring beyond ids: IMDb's original title, and the average of the
-- community raters (MovieLens), kept beside the movie so the movie page does not aggregate
-- a hundred thousand ratings on every view. Both are written by the imports only.
ALTER TABLE movies ADD COLUMN original_title TEXT;
ALTER TABLE movies ADD COLUMN community_rating REAL;
ALTER TABLE movies ADD COLUMN community_votes INTEGER;

-- Where the catalog came from, for the admin's Model page: the embedded catalog, the IMDb
-- dump and each MovieLens set, with the date of the data and what it brought.
CREATE TABLE catalog_sources (
    kind        TEXT   NOT NULL CHECK (kind IN ('embedded', 'imdb', 'movielens')),
    name        TEXT   NOT NULL,
    -- The date of the data (`YYYY-MM-DD`): IMDb's dump date, when known.
    data_date   TEXT,
    imported_at BIGINT NOT NULL,
    movies      BIGINT NOT NULL,
    ratings     BIGINT NOT NULL DEFAULT 0,
    raters      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, name)
);
