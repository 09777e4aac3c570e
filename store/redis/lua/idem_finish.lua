-- FinishIdempotencyKey: saves the response into the record only if it is
-- still the claim made at created; a later claim has replaced it otherwise.
-- ARGV: P, record id, created µs, status, content type, body.
local k = P .. 'idem:' .. ARGV[2]
if redis.call('HGET', k, 'c') ~= ARGV[3] then return redis.error_reply('CONFLICT') end
redis.call('HSET', k, 'd', '1', 's', ARGV[4], 't', ARGV[5], 'b', ARGV[6])
return 'OK'
