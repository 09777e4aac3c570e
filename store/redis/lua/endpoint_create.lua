-- CreateEndpoint, unless the scope holds max endpoints already: the count
-- and the write are one script, which Redis runs alone, so no other create
-- comes between them. The scope's index holds exactly its endpoints
-- (endpoints never expire; create and delete change both in one script).
-- ARGV: P, id, account, live, data, max.
local id = ARGV[2]
local k = P .. 'endpoint:' .. id
local idx = P .. 'endpoints:' .. scope(ARGV[3], ARGV[4])
if redis.call('EXISTS', k) == 1 then
  return redis.error_reply('CONFLICT')
end
if redis.call('ZCARD', idx) >= tonumber(ARGV[6]) then
  return redis.error_reply('LIMIT')
end
redis.call('SET', k, ARGV[5])
redis.call('ZADD', idx, redis.call('INCR', P .. 'seq'), id)
return 'OK'
