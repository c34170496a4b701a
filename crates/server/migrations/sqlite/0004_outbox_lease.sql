-- A sender's hold on an outbox item, apart from its retry time, so "send everything now" (after a
-- restart, or an operator's flush) never takes an item another sender is still sending.
ALTER TABLE outbox ADD COLUMN leased_until INTEGER;
