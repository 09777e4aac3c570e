-- Indexes the provider reference of a payment stored before the lookup
-- existed (see indexOldLookups), unless it has its entry already. The
-- entry lives as long as the payment. ARGV: P, id.
local id = ARGV[2]
local k = P .. 'payment:' .. id
local raw = redis.call('GET', k)
if not raw then return 'OK' end
local o = cjson.decode(raw)
local ttl = redis.call('PTTL', k)
if ttl < 0 then ttl = nil end
local ref = o.ProviderRef or ''
if ref ~= '' then
  local rk = refKey(o.Provider, ref)
  if not redis.call('ZSCORE', rk, id) then
    local seq = redis.call('ZSCORE', P .. 'payments:' .. scope(o.AccountID, mode(o.Livemode)), id)
      or redis.call('INCR', P .. 'seq')
    redis.call('ZADD', rk, seq, id)
    if ttl then extend(rk, ttl) end
  end
end
return 'OK'
