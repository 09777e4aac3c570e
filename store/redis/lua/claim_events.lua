-- ClaimEvents: leases up to limit undispatched events whose lease is not
-- live, oldest first (the outbox is scored by seq). ARGV: P, now µs,
-- lease-until µs, limit. Reply: the events' data.
local now, leaseUntil, limit = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local queue, leases = P .. 'outbox:events', P .. 'outbox:leases'
local out, gone, off = {}, {}, 0
-- Live leases are skipped, not removed, so the queue is scanned past the
-- events in flight; there are only as many as workers hold.
local batch = math.max(limit, 64)
while #out < limit do
  local ids = redis.call('ZRANGE', queue, off, off + batch - 1)
  if #ids == 0 then break end
  off = off + #ids
  for _, id in ipairs(ids) do
    local l = redis.call('HGET', leases, id)
    if not l or tonumber(l) <= now then
      local data = redis.call('GET', P .. 'event:' .. id)
      if data then
        redis.call('HSET', leases, id, leaseUntil)
        out[#out + 1] = data
        if #out == limit then break end
      else
        gone[#gone + 1] = id
      end
    end
  end
end
for _, id in ipairs(gone) do
  redis.call('ZREM', queue, id)
  redis.call('HDEL', leases, id)
end
return out
