-- CreateAccount. ARGV: P, id, data, n, then n pairs (key hash hex, key data).
-- Everything is checked before anything is written: all or nothing.
local id, data, n = ARGV[2], ARGV[3], tonumber(ARGV[4])
local ak = P .. 'account:' .. id
if redis.call('EXISTS', ak) == 1 then return redis.error_reply('CONFLICT') end
local seen = {}
for i = 0, n - 1 do
  local h = ARGV[5 + 2 * i]
  if seen[h] or redis.call('EXISTS', P .. 'apikey:' .. h) == 1 then
    return redis.error_reply('CONFLICT')
  end
  seen[h] = true
end
redis.call('SET', ak, data)
redis.call('ZADD', P .. 'accounts', redis.call('INCR', P .. 'seq'), id)
for i = 0, n - 1 do
  redis.call('SET', P .. 'apikey:' .. ARGV[5 + 2 * i], ARGV[6 + 2 * i])
end
return 'OK'
