-- PostgreSQL twin of migrations/sqlite/0012_console.sql (BIGINT for Unix times).
-- The help desk's console (issue 16). Staff accounts, one institution each; a login names one
-- account across all tenants (the login form asks for nothing else). Passwords as Argon2id PHC
-- strings, never in clear.
CREATE TABLE staff (
    login         TEXT    PRIMARY KEY,
    tenant        TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Signed-in staff, shared by every instance. `id` is the SHA-256 of the cookie's secret, so the
-- table alone opens no session; `csrf` is the token every form of the session carries.
CREATE TABLE staff_sessions (
    id         TEXT    PRIMARY KEY,
    login      TEXT    NOT NULL,
    tenant     TEXT    NOT NULL,
    csrf       TEXT    NOT NULL,
    lang       TEXT    NOT NULL,
    created_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);
CREATE INDEX staff_sessions_by_seen ON staff_sessions (seen_at);
