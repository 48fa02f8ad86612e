-- Log-in sessions, shared by every instance on the database: the session record as JSON
-- and when it expires (epoch seconds). Replaces the session library's own table.
CREATE TABLE sessions (
    id         TEXT   PRIMARY KEY,
    data       BLOB   NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX sessions_expires ON sessions (expires_at);

DROP TABLE IF EXISTS tower_sessions;
