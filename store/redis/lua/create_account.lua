-- CreateAccount. ARGV: P, id, data, n, then n quadruples (key hash hex,
-- key data, key id, mode). Everything is checked before anything is
-- written: all or nothing.
local id, data, n = ARGV[2], ARGV[3], tonumber(ARGV[4])
local ak = P .. 'account:' .. id
if redis.call('EXISTS', ak) == 1 then return redis.error_reply('CONFLICT') end
local seen = {}
for i = 0, n - 1 do
  local h, kid = ARGV[5 + 4 * i], ARGV[7 + 4 * i]
  if seen[h] or seen['id:' .. kid] or redis.call('EXISTS', P .. 'apikey:' .. h) == 1
      or redis.call('EXISTS', P .. 'apikey-id:' .. kid) == 1 then
    return redis.error_reply('CONFLICT')
  end
  seen[h] = true
  seen['id:' .. kid] = true
end
redis.call('SET', ak, data)
redis.call('ZADD', P .. 'accounts', redis.call('INCR', P .. 'seq'), id)
for i = 0, n - 1 do
  local o = 5 + 4 * i
  storeKey(ARGV[o], ARGV[o + 1], ARGV[o + 2], scope(id, ARGV[o + 3]))
end
return 'OK'
