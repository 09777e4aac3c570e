-- FindPaymentByRef: the newest payment that still has the provider
-- reference. Members whose payment has expired or changed its reference
-- are removed.
-- ARGV: P, provider, ref. Reply: the payment's data, or nil.
local provider, ref = ARGV[2], ARGV[3]
local k = refKey(provider, ref)
for _, id in ipairs(redis.call('ZREVRANGE', k, 0, -1)) do
  local data = redis.call('GET', P .. 'payment:' .. id)
  if data then
    local p = cjson.decode(data)
    if p.Provider == provider and p.ProviderRef == ref then return data end
  end
  redis.call('ZREM', k, id)
end
return false
