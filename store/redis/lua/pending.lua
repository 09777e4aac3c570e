-- PendingPayments: the first limit payments of a provider's pending set
-- (see pendingKey) past the cursor, in seq order.
--
-- ARGV: P, provider, mode ('0'/'1'), after (a payment id, '' for none),
-- limit. The cursor's seq is its score in the pending set or, once it has
-- left it (final since its page was read), in its scope's index; a
-- payment not of this provider and mode, or gone, is the error CURSOR.
--
-- Reply: the payments' data. Members whose payment has expired, or is
-- settled or of another provider (written by a binary older than the
-- pending set), are skipped and removed from the set.
local provider, live, after, limit = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local k = pendingKey(provider, live)
local min = '-inf'
if after ~= '' then
  local seq = redis.call('ZSCORE', k, after)
  if not seq then
    local raw = redis.call('GET', P .. 'payment:' .. after)
    if raw then
      local o = cjson.decode(raw)
      if o.Provider == provider and mode(o.Livemode) == live then
        seq = redis.call('ZSCORE', P .. 'payments:' .. scope(o.AccountID, live), after)
      end
    end
  end
  if not seq then return redis.error_reply('CURSOR') end
  min = '(' .. seq
end
local out, gone = {}, {}
while #out < limit do
  local ids = redis.call('ZRANGEBYSCORE', k, min, '+inf', 'WITHSCORES', 'LIMIT', 0, limit - #out)
  if #ids == 0 then break end
  for j = 1, #ids, 2 do
    local id = ids[j]
    local data = redis.call('GET', P .. 'payment:' .. id)
    local o = data and cjson.decode(data)
    if o and pending(o, id) and o.Provider == provider and mode(o.Livemode) == live then
      out[#out + 1] = data
    else
      gone[#gone + 1] = id
    end
    min = '(' .. ids[j + 1]
  end
end
for _, id in ipairs(gone) do redis.call('ZREM', k, id) end
return out
