-- Limits count over a sliding minute (no twice-the-limit burst at a clock minute's edge): requests
-- per key per second, summed over the last 60 seconds. Replaces the per-minute windows. Used when
-- the store is PostgreSQL; a single SQLite instance counts in memory. Kept in both schemas alike.
DROP TABLE rate_windows;
CREATE TABLE rate_seconds (
    key    TEXT    NOT NULL,
    second INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (key, second)
);
CREATE INDEX rate_seconds_by_second ON rate_seconds (second);
