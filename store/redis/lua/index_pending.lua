-- Puts a payment stored before the pending sets existed (see
-- indexOldPending) in its provider's pending set while it is not final or
-- has a check due, at its seq in its scope's index. The set lives as long
-- as the payment.
-- ARGV: P, id.
local id = ARGV[2]
local k = P .. 'payment:' .. id
local raw = redis.call('GET', k)
if not raw then return 'OK' end
local o = cjson.decode(raw)
if not pending(o, id) then return 'OK' end
local live = mode(o.Livemode)
local pk = pendingKey(o.Provider or '', live)
if redis.call('ZSCORE', pk, id) then return 'OK' end
local seq = redis.call('ZSCORE', P .. 'payments:' .. scope(o.AccountID, live), id)
  or redis.call('INCR', P .. 'seq')
redis.call('ZADD', pk, seq, id)
local ttl = redis.call('PTTL', k)
if ttl > 0 then extend(pk, ttl) end
return 'OK'
