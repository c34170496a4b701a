-- PostgreSQL twin of migrations/sqlite/0002_identity.sql.
CREATE TABLE identity_checks (
    state        TEXT   PRIMARY KEY,
    tenant       TEXT   NOT NULL,
    usrid        TEXT   NOT NULL,
    provider     TEXT   NOT NULL,
    origin       TEXT   NOT NULL,
    status       TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    completed_at BIGINT,
    sms_code     TEXT,
    result_code  TEXT,
    trnid        TEXT,
    trndt        TEXT,
    name         TEXT,
    tel          TEXT,
    reset_at     BIGINT
);
CREATE INDEX identity_checks_by_user ON identity_checks (tenant, usrid, created_at);

CREATE TABLE used_attestations (
    jti     TEXT   PRIMARY KEY,
    tenant  TEXT   NOT NULL,
    used_at BIGINT NOT NULL
);
