-- The keys that sign receipts (Ed25519), shared by every instance through the database: the newest
-- signs; older ones stay published (GET /.well-known/jwks.json) until their last receipt expired.
CREATE TABLE receipt_keys (
    kid         TEXT    PRIMARY KEY,
    -- PKCS#8, base64: the store is as trusted as the key (it holds everything a receipt proves).
    private_key TEXT    NOT NULL,
    -- The raw 32-byte public key, base64url: the JWK's `x`.
    public_key  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Attestation ids are unique per tenant, not across tenants: one institution's ids say nothing
-- about another's.
CREATE TABLE used_attestations_per_tenant (
    tenant  TEXT    NOT NULL,
    jti     TEXT    NOT NULL,
    used_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, jti)
);
INSERT INTO used_attestations_per_tenant (tenant, jti, used_at)
    SELECT tenant, jti, used_at FROM used_attestations;
DROP TABLE used_attestations;
ALTER TABLE used_attestations_per_tenant RENAME TO used_attestations;
