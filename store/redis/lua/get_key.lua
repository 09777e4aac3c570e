-- GetAPIKey. ARGV: P, account id, mode, key id. Reply: as find_keys.lua for
-- the key, or NOTFOUND outside scope.
local h = scopedKey(ARGV[4], ARGV[2], ARGV[3])
if not h then return redis.error_reply('NOTFOUND') end
return keyRecord(h)
