-- InsertDeliveries: new deliveries of dispatched events, all or none.
-- ARGV: P, retention ms, delivery count n, then the n deliveries.
local n = tonumber(ARGV[3])
if not checkNewDeliveries(4, n) then return redis.error_reply('CONFLICT') end
insertDeliveries(4, n, ARGV[2])
return 'OK'
