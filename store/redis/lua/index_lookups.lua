-- Indexes the lookups of a session or payment stored before they existed
-- (see indexOldLookups): its public token or its provider reference,
-- unless it has its entry already. The entries live as long as the object.
-- ARGV: P, 'session' or 'payment', id.
local kind, id = ARGV[2], ARGV[3]
local k = P .. kind .. ':' .. id
local raw = redis.call('GET', k)
if not raw then return 'OK' end
local o = cjson.decode(raw)
local ttl = redis.call('PTTL', k)
if ttl < 0 then ttl = nil end
if kind == 'session' then
  local token = o.PublicToken or ''
  if token ~= '' and not redis.call('GET', P .. 'session-token:' .. token) then
    setToken(token, id, ttl)
  end
else
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
end
return 'OK'
