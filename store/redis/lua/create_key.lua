-- CreateAPIKey. ARGV: P, account id, key hash hex, key data, key id, mode.
if redis.call('EXISTS', P .. 'account:' .. ARGV[2]) == 0 then
  return redis.error_reply('NOTFOUND')
end
if redis.call('EXISTS', P .. 'apikey:' .. ARGV[3]) == 1 or redis.call('EXISTS', P .. 'apikey-id:' .. ARGV[5]) == 1 then
  return redis.error_reply('CONFLICT')
end
storeKey(ARGV[3], ARGV[4], ARGV[5], scope(ARGV[2], ARGV[6]))
return 'OK'
