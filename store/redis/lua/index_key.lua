-- Indexes a key stored before keys had ids and lists (see indexOldKeys).
-- ARGV: P, key hash hex. A key indexed already is left alone, so two
-- processes upgrading at once index each key once.
local data = redis.call('GET', P .. 'apikey:' .. ARGV[2])
if not data then return 'OK' end
local k = cjson.decode(data)
if redis.call('EXISTS', P .. 'apikey-id:' .. k.ID) == 1 then return 'OK' end
redis.call('SET', P .. 'apikey-id:' .. k.ID, ARGV[2])
redis.call('ZADD', P .. 'apikeys:' .. scope(k.AccountID, mode(k.Livemode)), redis.call('INCR', P .. 'seq'), k.ID)
return 'OK'
