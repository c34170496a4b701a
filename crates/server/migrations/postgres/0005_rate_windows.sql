-- PostgreSQL twin of migrations/sqlite/0005_rate_windows.sql.
CREATE TABLE rate_windows (
    key    TEXT   NOT NULL,
    minute BIGINT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (key, minute)
);
