-- Requests per key (trainee or client IP) per clock minute, shared by all instances. Used when the
-- store is PostgreSQL; a single SQLite instance counts in memory. Kept in both schemas alike.
CREATE TABLE rate_windows (
    key    TEXT    NOT NULL,
    minute INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (key, minute)
);
