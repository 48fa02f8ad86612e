-- IMDb ratings were first loaded through a 32-bit float, so 5.7 was stored as 5.699999809.
-- The source has one decimal place: put the exact tenths back. New databases load them
-- exact already and have nothing to change here.
UPDATE movies SET imdb_rating = ROUND(imdb_rating * 10) / 10.0 WHERE imdb_rating IS NOT NULL;
