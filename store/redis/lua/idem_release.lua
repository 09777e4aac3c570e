-- ReleaseIdempotencyKey: deletes the record if it is in flight and still
-- the claim made at created; a later claim that replaced it stays.
-- ARGV: P, record id, created µs.
local k = P .. 'idem:' .. ARGV[2]
if redis.call('HGET', k, 'd') == '0' and redis.call('HGET', k, 'c') == ARGV[3] then
  redis.call('DEL', k)
  redis.call('ZREM', P .. 'idem-created', ARGV[2])
end
return 'OK'
