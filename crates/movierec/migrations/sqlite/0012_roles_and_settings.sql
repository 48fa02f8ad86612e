-- Accounts get a role: administrators train models and change the site's settings.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));
-- Sessions remember the stamp their account had when they began; a new stamp (on a password
-- change) ends every other session at its next request.
ALTER TABLE users ADD COLUMN session_stamp TEXT NOT NULL DEFAULT '';

-- A site that already has accounts: its first one becomes the administrator, as on a new site.
UPDATE users SET role = 'admin'
 WHERE id = (SELECT MIN(id) FROM users WHERE kind = 'user');

-- Site settings an administrator changes while the site runs, one row each.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Accounts created per client address and clock hour; a registration reserves its place by
-- incrementing the row in one statement, so concurrent requests cannot overshoot the limit.
CREATE TABLE registrations_per_address (
    ip           TEXT   NOT NULL,
    window_start BIGINT NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (ip, window_start)
);
