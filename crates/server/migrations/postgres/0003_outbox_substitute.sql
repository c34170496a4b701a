-- PostgreSQL twin of migrations/sqlite/0003_outbox_substitute.sql.
ALTER TABLE attempts ADD COLUMN hrd_down_at BIGINT;
ALTER TABLE identity_checks ADD COLUMN purpose TEXT NOT NULL DEFAULT 'reset';

CREATE TABLE outbox (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT   NOT NULL,
    dedupe     TEXT   NOT NULL UNIQUE,
    tenant     TEXT   NOT NULL,
    usrid      TEXT   NOT NULL,
    payload    TEXT   NOT NULL,
    status     TEXT   NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    done_at    BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_at);
