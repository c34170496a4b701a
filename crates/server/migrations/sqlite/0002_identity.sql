-- Phone identity checks (휴대폰 본인인증) that can lift an mOTP lock. The provider's record (result
-- code, transaction id, time) is what HRD's user_reset receives and what the institution must keep;
-- the provider's name and mobile are kept only until the reset compares them with the launch token.
CREATE TABLE identity_checks (
    state        TEXT    PRIMARY KEY,
    tenant       TEXT    NOT NULL,
    usrid        TEXT    NOT NULL,
    provider     TEXT    NOT NULL,
    -- The LMS page origin the widget runs in: the only target of the popup's postMessage.
    origin       TEXT    NOT NULL,
    -- pending → succeeded | failed; succeeded → resetting → used (or back to succeeded if HRD was unreachable)
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    completed_at INTEGER,
    sms_code     TEXT,
    result_code  TEXT,
    trnid        TEXT,
    trndt        TEXT,
    name         TEXT,
    tel          TEXT,
    reset_at     INTEGER
);
CREATE INDEX identity_checks_by_user ON identity_checks (tenant, usrid, created_at);

-- Attestations posted by LMS servers, by jti, so none can be replayed.
CREATE TABLE used_attestations (
    jti     TEXT    PRIMARY KEY,
    tenant  TEXT    NOT NULL,
    used_at INTEGER NOT NULL
);
