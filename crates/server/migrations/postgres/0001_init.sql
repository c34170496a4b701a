-- PostgreSQL twin of migrations/sqlite/0001_init.sql (same tables; BIGINT for Unix times).
CREATE TABLE attempts (
    tenant     TEXT   NOT NULL,
    usrid      TEXT   NOT NULL,
    failures   BIGINT NOT NULL DEFAULT 0,
    locked     BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, usrid)
);

CREATE TABLE receipts (
    id          TEXT   PRIMARY KEY,
    tenant      TEXT   NOT NULL,
    usrid       TEXT   NOT NULL,
    issued_at   BIGINT NOT NULL,
    redeemed_at BIGINT
);

CREATE TABLE audit (
    id        BIGSERIAL PRIMARY KEY,
    at        BIGINT NOT NULL,
    tenant    TEXT   NOT NULL,
    usrid     TEXT   NOT NULL,
    event     TEXT   NOT NULL,
    hrd_code  TEXT,
    eval_cd   TEXT,
    class_tme TEXT,
    detail    TEXT
);
CREATE INDEX audit_by_user ON audit (tenant, usrid, at);
