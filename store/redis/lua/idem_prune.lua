-- PruneIdempotencyKeys, one batch: deletes up to limit records created
-- before a time. ARGV: P, before µs, limit. Reply: how many were deleted.
local idx = P .. 'idem-created'
local ids = redis.call('ZRANGEBYSCORE', idx, '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('DEL', P .. 'idem:' .. id)
  redis.call('ZREM', idx, id)
end
return #ids
