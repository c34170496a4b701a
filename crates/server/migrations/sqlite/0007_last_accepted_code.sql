-- The code HRD last accepted for each trainee, as a fingerprint (SHA-256 of tenant, USRID and code;
-- never the code), and when: the same code typed again within its validity is answered "already
-- used" without asking HRD, so it never counts toward the lock.
ALTER TABLE attempts ADD COLUMN last_code TEXT;
ALTER TABLE attempts ADD COLUMN last_code_at INTEGER;
