-- NICE 본인확인 (통합형). Crypto tokens are shared by every instance (the result may come back to
-- another instance than the one that sealed the request), one per tenant while it lasts; each holds
-- what derives its keys. NICE's requestno is at most 30 characters (our check ids are 32), so each
-- request sealed for a check has its own number here.
CREATE TABLE nice_crypto_tokens (
    token_version_id TEXT    PRIMARY KEY,
    tenant           TEXT    NOT NULL,
    req_dtim         TEXT    NOT NULL,
    req_no           TEXT    NOT NULL,
    -- As secret as the results it opens; gone with the token (expires_at) and its checks.
    token_val        TEXT    NOT NULL,
    site_code        TEXT    NOT NULL,
    expires_at       INTEGER  NOT NULL
);
CREATE INDEX nice_crypto_tokens_by_tenant ON nice_crypto_tokens (tenant, expires_at);

CREATE TABLE nice_requests (
    requestno        TEXT    PRIMARY KEY,
    check_id         TEXT    NOT NULL,
    token_version_id TEXT    NOT NULL,
    created_at       INTEGER  NOT NULL
);
