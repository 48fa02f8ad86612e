-- The twin of SQLite's 0021_leases: one job of a kind (training, import) at a time across
-- every process on the database; a row past `expires_at` (epoch seconds) is free to take.
CREATE TABLE leases (
    name       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
