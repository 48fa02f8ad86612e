-- Log-in throttling by reservation: one counter row per bucket (an account, a known
-- browser, an address) over a fixed window, bumped atomically before a password is
-- checked. Replaces the per-failure rows, which were counted before and written after
-- the check and so let concurrent guesses through.
DROP TABLE login_attempts;

CREATE TABLE throttle (
    bucket       TEXT   PRIMARY KEY,
    window_start BIGINT NOT NULL,
    attempts     BIGINT NOT NULL
);

CREATE INDEX throttle_window ON throttle (window_start);

-- Browsers that have logged in to an account (OWASP's device cookies): they get their own
-- log-in allowance, so strangers' failed guesses cannot lock the owner out.
CREATE TABLE known_devices (
    token         TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    BIGINT  NOT NULL,
    last_login_at BIGINT  NOT NULL
);

CREATE INDEX known_devices_user ON known_devices (user_id);
