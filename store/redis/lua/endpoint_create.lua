-- CreateEndpoint. ARGV: P, id, account, live, data.
local id = ARGV[2]
if redis.call('SET', P .. 'endpoint:' .. id, ARGV[5], 'NX') == false then
  return redis.error_reply('CONFLICT')
end
redis.call('ZADD', P .. 'endpoints:' .. scope(ARGV[3], ARGV[4]), redis.call('INCR', P .. 'seq'), id)
return 'OK'
