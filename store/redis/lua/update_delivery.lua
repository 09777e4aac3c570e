-- UpdateDelivery: compare-and-set on version and scope; keeps the queue
-- and the endpoint's pending set in step with the status.
-- ARGV: P, retention ms, id, account, live, version, data, status,
-- next_at µs, lease µs.
local retention, id, acct, live, version = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local data, status, nextAt, lease = ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local k = P .. 'delivery:' .. id
local h = redis.call('HMGET', k, 'v', 'a', 'm', 'ep', 'ev')
if not h[1] or tonumber(h[1]) ~= version - 1 or h[2] ~= acct or h[3] ~= live then
  return redis.error_reply('CONFLICT')
end
redis.call('HSET', k, 'd', data, 'v', ARGV[6], 'l', lease, 's', status)
local pending = P .. 'endpoint-pending:' .. h[4]
if status == 'pending' then
  redis.call('ZADD', P .. 'outbox:deliveries', nextAt, id)
  redis.call('SADD', pending, id)
  redis.call('PERSIST', k)
else
  redis.call('ZREM', P .. 'outbox:deliveries', id)
  redis.call('SREM', pending, id)
  redis.call('PEXPIRE', k, retention)
  extend(P .. 'deliveries:' .. h[5], retention)
end
return 'OK'
