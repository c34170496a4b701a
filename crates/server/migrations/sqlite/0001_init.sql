-- Consecutive wrong codes per trainee, mirrored from HRD's answers so the widget's warning is right
-- across reloads and restarts.
CREATE TABLE attempts (
    tenant     TEXT    NOT NULL,
    usrid      TEXT    NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    locked     INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, usrid)
);

-- Every receipt issued, so each can be redeemed exactly once.
CREATE TABLE receipts (
    id          TEXT    PRIMARY KEY,
    tenant      TEXT    NOT NULL,
    usrid       TEXT    NOT NULL,
    issued_at   INTEGER NOT NULL,
    redeemed_at INTEGER
);

-- Append-only record of what happened, with personal data minimised (masked mobile, never a code).
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    tenant   TEXT    NOT NULL,
    usrid    TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    hrd_code TEXT,
    eval_cd  TEXT,
    class_tme TEXT,
    detail   TEXT
);
CREATE INDEX audit_by_user ON audit (tenant, usrid, at);
