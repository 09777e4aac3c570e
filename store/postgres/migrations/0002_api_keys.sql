-- Keys can be revoked and rolled, and say when they were last used. The
-- times are unix microseconds, 0 when unset, so keys stored before this
-- migration are unrevoked, never expire and were never used, as far as
-- anyone knows.
ALTER TABLE api_keys
    ADD COLUMN last_used  bigint NOT NULL DEFAULT 0,
    ADD COLUMN revoked    bigint NOT NULL DEFAULT 0,
    ADD COLUMN expires_at bigint NOT NULL DEFAULT 0;

-- Lists of one scope's keys page on seq, the insertion order, like every
-- list. Keys stored before get theirs in the order they were made.
CREATE SEQUENCE api_keys_seq;
ALTER TABLE api_keys ADD COLUMN seq bigint;
UPDATE api_keys SET seq = o.n
    FROM (SELECT id, row_number() OVER (ORDER BY created, id) AS n FROM api_keys) o
    WHERE api_keys.id = o.id;
SELECT setval('api_keys_seq', coalesce((SELECT max(seq) FROM api_keys), 0) + 1, false);
ALTER TABLE api_keys
    ALTER COLUMN seq SET DEFAULT nextval('api_keys_seq'),
    ALTER COLUMN seq SET NOT NULL;
ALTER SEQUENCE api_keys_seq OWNED BY api_keys.seq;
CREATE INDEX api_keys_scope ON api_keys (account_id, livemode, seq);
