-- ReleaseIdempotencyKey: deletes the record if it is in flight.
-- ARGV: P, record id.
local k = P .. 'idem:' .. ARGV[2]
if redis.call('HGET', k, 'd') == '0' then
  redis.call('DEL', k)
  redis.call('ZREM', P .. 'idem-created', ARGV[2])
end
return 'OK'
