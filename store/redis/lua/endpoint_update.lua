-- UpdateEndpoint: compare-and-set on version and scope.
-- ARGV: P, id, account, live, version, data.
local k = P .. 'endpoint:' .. ARGV[2]
local raw = redis.call('GET', k)
if not raw or not owned(cjson.decode(raw), tonumber(ARGV[5]) - 1, ARGV[3], ARGV[4]) then
  return redis.error_reply('CONFLICT')
end
redis.call('SET', k, ARGV[6])
return 'OK'
