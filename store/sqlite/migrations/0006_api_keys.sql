-- Schema version 6: keys can be revoked and rolled, and say when they were
-- last used. The times are unix microseconds, 0 when unset, so keys stored
-- before this version are unrevoked, never expire and were never used, as
-- far as anyone knows. Lists of one scope's keys page on seq.
ALTER TABLE api_keys ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_scope ON api_keys (account_id, livemode, seq);
