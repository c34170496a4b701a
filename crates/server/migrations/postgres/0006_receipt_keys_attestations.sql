-- The keys that sign receipts (Ed25519), shared by every instance through the database: the newest
-- signs; older ones stay published (GET /.well-known/jwks.json) until their last receipt expired.
CREATE TABLE receipt_keys (
    kid         TEXT    PRIMARY KEY,
    -- PKCS#8, base64: the store is as trusted as the key (it holds everything a receipt proves).
    private_key TEXT    NOT NULL,
    -- The raw 32-byte public key, base64url: the JWK's `x`.
    public_key  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

-- Attestation ids are unique per tenant, not across tenants: one institution's ids say nothing
-- about another's.
ALTER TABLE used_attestations DROP CONSTRAINT used_attestations_pkey;
ALTER TABLE used_attestations ADD PRIMARY KEY (tenant, jti);
