-- RevokeAPIKey. ARGV: P, account id, mode, key id, revoked at (µs). A key
-- revoked already keeps its first revocation. Reply: as get_key.lua.
local h = scopedKey(ARGV[4], ARGV[2], ARGV[3])
if not h then return redis.error_reply('NOTFOUND') end
local sk = P .. 'apikey-state:' .. h
if not isSet(redis.call('HGET', sk, 'r')) then
  redis.call('HSET', sk, 'r', ARGV[5])
end
return keyRecord(h)
