-- One batch of a list: the count members nearest past a bound, merged
-- from the source indexes (sorted sets scored by seq), with their objects.
--
-- ARGV: P, object kind ('session', 'payment', 'event', 'endpoint',
-- 'account', 'delivery', or 'object:' and the name of a generic kind), cursor index, cursor id, direction ('desc' or
-- 'asc'), bound seq (exclusive; '' for none), count, then the source keys.
--
-- When the cursor id is set, the bound is its seq in the cursor index (the
-- scope's index, so a cursor need not match the filter); an id not there
-- is the error CURSOR.
--
-- Reply: last seq examined ('' if none), '1' if the sources hold nothing
-- further, then per object: id, data, and for deliveries their version
-- and lease. Members whose object has expired are skipped and removed
-- from their source index.
local kind, cursorIndex, cursorID, dir, bound, count =
  ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7])
if cursorID ~= '' then
  bound = redis.call('ZSCORE', cursorIndex, cursorID)
  if not bound then return redis.error_reply('CURSOR') end
end

local desc = dir == 'desc'
local cands, exhausted = {}, '1'
for j = 8, #ARGV do
  local src = ARGV[j]
  local r
  if desc then
    local max = '+inf'
    if bound ~= '' then max = '(' .. bound end
    r = redis.call('ZREVRANGEBYSCORE', src, max, '-inf', 'WITHSCORES', 'LIMIT', 0, count)
  else
    local min = '-inf'
    if bound ~= '' then min = '(' .. bound end
    r = redis.call('ZRANGEBYSCORE', src, min, '+inf', 'WITHSCORES', 'LIMIT', 0, count)
  end
  if #r / 2 == count then exhausted = '0' end
  for k = 1, #r, 2 do
    cands[#cands + 1] = {id = r[k], seq = tonumber(r[k + 1]), src = src}
  end
end
if #ARGV > 8 then
  if desc then
    table.sort(cands, function(a, b) return a.seq > b.seq end)
  else
    table.sort(cands, function(a, b) return a.seq < b.seq end)
  end
end
if #cands > count then exhausted = '0' end

local out = {'', exhausted}
local seen = {}
for k = 1, math.min(count, #cands) do
  local c = cands[k]
  out[1] = tostring(c.seq)
  if not seen[c.id] then
    seen[c.id] = true
    local key = P .. kind .. ':' .. c.id
    if string.sub(kind, 1, 7) == 'object:' then
      -- An object of a generic kind, kind being 'object:' and its name.
      local data = redis.call('HGET', key, 'd')
      if data then
        out[#out + 1], out[#out + 2] = c.id, data
      else
        redis.call('ZREM', c.src, c.id)
      end
    elseif kind == 'delivery' then
      local h = redis.call('HMGET', key, 'd', 'v', 'l')
      if h[1] then
        out[#out + 1], out[#out + 2], out[#out + 3], out[#out + 4] = c.id, h[1], h[2], h[3]
      else
        redis.call('ZREM', c.src, c.id)
      end
    else
      local data = redis.call('GET', key)
      if data then
        out[#out + 1], out[#out + 2] = c.id, data
      else
        redis.call('ZREM', c.src, c.id)
      end
    end
  end
end
return out
