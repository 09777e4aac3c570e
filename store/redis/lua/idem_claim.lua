-- ClaimIdempotencyKey: SET NX, except that a record which is no longer
-- live is replaced (see checkout.Store). Atomic, so of concurrent claims
-- exactly one wins.
--
-- ARGV: P, record id (scope and key), fingerprint, created µs, TTL cut µs
-- (created - IdempotencyTTL), lock cut µs (created - IdempotencyLockTTL),
-- expiry ms. Reply: nil if claimed, else the live record's fingerprint,
-- created, done, status, content type and body.
local id, fp, created, ttlCut, lockCut, expiry = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local k = P .. 'idem:' .. id
local r = redis.call('HMGET', k, 'f', 'c', 'd', 's', 't', 'b')
if r[2] then
  local c = tonumber(r[2])
  local stale = c < tonumber(ttlCut) or (r[3] == '0' and c < tonumber(lockCut))
  if not stale then return r end
end
redis.call('DEL', k)
redis.call('HSET', k, 'f', fp, 'c', created, 'd', '0', 's', '0', 't', '', 'b', '')
redis.call('PEXPIRE', k, expiry)
-- PruneIdempotencyKeys finds records by creation time here.
redis.call('ZADD', P .. 'idem-created', created, id)
return nil
