-- DeleteEndpoint: the endpoint and its pending deliveries; delivered and
-- failed ones stay, as history. ARGV: P, id, account, live.
local id, acct, live = ARGV[2], ARGV[3], ARGV[4]
local k = P .. 'endpoint:' .. id
local raw = redis.call('GET', k)
if not raw then return redis.error_reply('NOTFOUND') end
local e = cjson.decode(raw)
if e.AccountID ~= acct or mode(e.Livemode) ~= live then return redis.error_reply('NOTFOUND') end
redis.call('DEL', k)
redis.call('ZREM', P .. 'endpoints:' .. scope(acct, live), id)
local pending = P .. 'endpoint-pending:' .. id
for _, d in ipairs(redis.call('SMEMBERS', pending)) do
  local dk = P .. 'delivery:' .. d
  local ev = redis.call('HGET', dk, 'ev')
  if ev then redis.call('ZREM', P .. 'deliveries:' .. ev, d) end
  redis.call('DEL', dk)
  redis.call('ZREM', P .. 'outbox:deliveries', d)
end
redis.call('DEL', pending)
return 'OK'
