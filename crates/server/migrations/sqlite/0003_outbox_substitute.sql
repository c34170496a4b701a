-- When HRD last failed to answer a trainee's code: the substitute check (대체인증) is offered only
-- after the server itself saw HRD fail, never because a browser says so.
ALTER TABLE attempts ADD COLUMN hrd_down_at INTEGER;

-- What an identity check is for: lifting a lock (`reset`) or standing in for the code (`substitute`).
ALTER TABLE identity_checks ADD COLUMN purpose TEXT NOT NULL DEFAULT 'reset';

-- Everything that must reach HRD/e-mon is written here first, then sent; a worker retries with
-- back-off until HRD answers, across restarts. `dedupe` (kind + the identity check's transaction id)
-- makes a second enqueue of the same record a no-op.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL,
    dedupe     TEXT    NOT NULL UNIQUE,
    tenant     TEXT    NOT NULL,
    usrid      TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    -- queued → done (HRD accepted) | refused (HRD's final no)
    status     TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    done_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_at);
