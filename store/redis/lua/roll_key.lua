-- RollAPIKey. ARGV: P, account id, mode, old key id, expires at (µs), new
-- key hash hex, new key data, new key id. Checked first, then written:
-- the old key must be neither revoked nor expiring, the new one must not
-- exist. Reply: as get_key.lua, for the old key.
local acct, live = ARGV[2], ARGV[3]
local h = scopedKey(ARGV[4], acct, live)
if not h then return redis.error_reply('NOTFOUND') end
local sk = P .. 'apikey-state:' .. h
local st = redis.call('HMGET', sk, 'r', 'x')
if isSet(st[1]) or isSet(st[2]) then return redis.error_reply('CONFLICT') end
if redis.call('EXISTS', P .. 'apikey:' .. ARGV[6]) == 1 or redis.call('EXISTS', P .. 'apikey-id:' .. ARGV[8]) == 1 then
  return redis.error_reply('CONFLICT')
end
redis.call('HSET', sk, 'x', ARGV[5])
storeKey(ARGV[6], ARGV[7], ARGV[8], scope(acct, live))
return keyRecord(h)
