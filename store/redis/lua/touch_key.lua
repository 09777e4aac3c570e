-- TouchAPIKey. ARGV: P, key id, used at (µs). Only the last-used field
-- moves, and only forward; a missing key is left alone.
local h = redis.call('GET', P .. 'apikey-id:' .. ARGV[2])
if not h or redis.call('EXISTS', P .. 'apikey:' .. h) == 0 then return 'OK' end
local sk = P .. 'apikey-state:' .. h
local cur = redis.call('HGET', sk, 'u')
if not cur or tonumber(cur) < tonumber(ARGV[3]) then
  redis.call('HSET', sk, 'u', ARGV[3])
end
return 'OK'
