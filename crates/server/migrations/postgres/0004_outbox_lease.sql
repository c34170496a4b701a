-- PostgreSQL twin of migrations/sqlite/0004_outbox_lease.sql.
ALTER TABLE outbox ADD COLUMN leased_until BIGINT;
