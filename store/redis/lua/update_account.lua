-- UpdateAccount: compare-and-set on the account's version (a record from
-- before versions has none: 0). ARGV: P, id, version, data.
local k = P .. 'account:' .. ARGV[2]
local raw = redis.call('GET', k)
if not raw then return redis.error_reply('NOTFOUND') end
if (cjson.decode(raw).Version or 0) ~= tonumber(ARGV[3]) - 1 then
  return redis.error_reply('CONFLICT')
end
redis.call('SET', k, ARGV[4])
return 'OK'
