-- CreateSession. ARGV: P, id, account, live, data, ttl ms, status,
-- customer, customer email, payment, expires_at µs, payment link.
local id, acct, live, data, ttl = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local status, customer, email, payment, expires, link = ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12]
-- NX is the uniqueness check: ids are unique across scopes.
if redis.call('SET', P .. 'session:' .. id, data, 'PX', ttl, 'NX') == false then
  return redis.error_reply('CONFLICT')
end
local seq = redis.call('INCR', P .. 'seq')
reindex({}, sessionIndexes(scope(acct, live), status, customer, email, payment, link), seq, id, ttl)
if status == 'open' then
  redis.call('ZADD', P .. 'due:sessions', expires, id)
end
return 'OK'
