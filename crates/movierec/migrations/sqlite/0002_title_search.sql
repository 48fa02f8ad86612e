-- Title search. SQLite-only: FTS5 with the trigram tokenizer finds candidate titles that
-- share three-letter pieces with the query, which tolerates typos; the app then re-ranks.
-- The rowid is the movie id. `search_title` is the title lowercased, accents folded and
-- punctuation turned into spaces, padded with a space at each end so that word starts and
-- ends are trigrams too; the app computes it, so the query and the index fold alike.
-- (On PostgreSQL the same role falls to a pg_trgm index over the same column.)
CREATE VIRTUAL TABLE movie_search USING fts5(search_title, tokenize = 'trigram');
