-- Leases: one job of a kind (training, import) at a time across every process on the
-- database. A holder renews its row while it works; a row past `expires_at` (epoch seconds)
-- is free to take, so a process killed mid-job blocks the others only until then.
CREATE TABLE leases (
    name       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
