-- PostgreSQL twin of migrations/sqlite/0008_rate_seconds.sql.
DROP TABLE rate_windows;
CREATE TABLE rate_seconds (
    key    TEXT   NOT NULL,
    second BIGINT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (key, second)
);
CREATE INDEX rate_seconds_by_second ON rate_seconds (second);
