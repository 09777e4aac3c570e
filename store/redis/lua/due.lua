-- The first limit objects of a due queue (a sorted set scored by a time in
-- µs) whose score is <= max, earliest first. Members whose object has
-- expired are removed from the queue.
--
-- ARGV: P, object kind, queue key, max µs, limit. Reply: the objects' data.
local kind, queue, max, limit = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local out, gone, off = {}, {}, 0
while #out < limit do
  local ids = redis.call('ZRANGEBYSCORE', queue, '-inf', max, 'LIMIT', off, limit - #out)
  if #ids == 0 then break end
  off = off + #ids
  for _, id in ipairs(ids) do
    local data = redis.call('GET', P .. kind .. ':' .. id)
    if data then out[#out + 1] = data else gone[#gone + 1] = id end
  end
end
for _, id in ipairs(gone) do redis.call('ZREM', queue, id) end
return out
