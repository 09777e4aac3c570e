-- Dispatch: marks an event dispatched and inserts its deliveries, all or
-- nothing. ARGV: P, retention ms, event id, delivery count n, then the n
-- deliveries (see insertDeliveries).
local retention, id, n = ARGV[2], ARGV[3], tonumber(ARGV[4])
local ek = P .. 'event:' .. id
local raw = redis.call('GET', ek)
if not raw then return redis.error_reply('NOTFOUND') end
if not redis.call('ZSCORE', P .. 'outbox:events', id) then
  return redis.error_reply('CONFLICT') -- dispatched already
end
if not checkNewDeliveries(5, n) then return redis.error_reply('CONFLICT') end
redis.call('ZREM', P .. 'outbox:events', id)
redis.call('HDEL', P .. 'outbox:leases', id)
-- Dispatched, the event starts its retention, and so do its indexes.
redis.call('PEXPIRE', ek, retention)
local e = cjson.decode(raw)
for _, k in ipairs(eventIndexes(scope(e.AccountID, mode(e.Livemode)), e.Type, e.ObjectID)) do
  extend(k, retention)
end
insertDeliveries(5, n, retention)
return 'OK'
