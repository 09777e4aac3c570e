-- CreateAPIKey. ARGV: P, account id, key hash hex, key data.
if redis.call('EXISTS', P .. 'account:' .. ARGV[2]) == 0 then
  return redis.error_reply('NOTFOUND')
end
if redis.call('SET', P .. 'apikey:' .. ARGV[3], ARGV[4], 'NX') == false then
  return redis.error_reply('CONFLICT')
end
return 'OK'
