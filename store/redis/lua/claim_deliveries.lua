-- ClaimDeliveries: leases up to limit pending deliveries with next_at <=
-- now whose lease is not live, earliest next_at first (the queue is
-- scored by next_at), each with a compare-and-set: the script runs alone,
-- so of concurrent claimers exactly one gets each delivery.
-- ARGV: P, now µs, lease-until µs, limit. Reply: per delivery its data,
-- new version and lease.
local now, leaseUntil, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local queue = P .. 'outbox:deliveries'
local out, gone, off, n = {}, {}, 0, 0
local batch = math.max(limit, 64)
while n < limit do
  local ids = redis.call('ZRANGEBYSCORE', queue, '-inf', now, 'LIMIT', off, batch)
  if #ids == 0 then break end
  off = off + #ids
  for _, id in ipairs(ids) do
    local k = P .. 'delivery:' .. id
    local h = redis.call('HMGET', k, 'd', 'v', 'l', 's')
    if not h[1] or h[4] ~= 'pending' then
      gone[#gone + 1] = id
    elseif tonumber(h[3]) <= tonumber(now) then
      local v = tostring(tonumber(h[2]) + 1)
      redis.call('HSET', k, 'v', v, 'l', leaseUntil)
      out[#out + 1], out[#out + 2], out[#out + 3] = h[1], v, leaseUntil
      n = n + 1
      if n == limit then break end
    end
  end
end
for _, id in ipairs(gone) do redis.call('ZREM', queue, id) end
return out
