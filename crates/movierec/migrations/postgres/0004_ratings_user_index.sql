-- The twin of SQLite's 0022_ratings_without_rowid, as far as it applies here: every query of
-- one user's ratings finds them by the primary key's leading user id, so the index on
-- (user_id, updated_at) only cost upkeep on every write. (PostgreSQL has no WITHOUT ROWID;
-- its tables stay heaps.)
DROP INDEX IF EXISTS ratings_user_updated;
