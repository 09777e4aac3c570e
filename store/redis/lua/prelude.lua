-- Prepended to every script (see scripts.go). ARGV[1] is always the key
-- prefix; every key is built from it, so one Store's keys never meet
-- another's.
--
-- Numbers: Redis turns a Lua number passed to redis.call into a string
-- with 14 significant digits, which would mangle unix microseconds. Times
-- therefore travel as the ARGV strings they came in as, and are turned into
-- numbers only to be compared (a double holds them exactly).
local P = ARGV[1]

-- scope is the key part naming one account in one mode.
local function scope(acct, live)
  return acct .. ':' .. live
end

-- mode is the '0'/'1' form of a decoded JSON Livemode.
local function mode(b)
  if b then return '1' end
  return '0'
end

-- owned reports whether decoded object o is at version v in scope
-- (acct, live): the compare-and-set condition of every update.
local function owned(o, v, acct, live)
  return o.Version == v and o.AccountID == acct and mode(o.Livemode) == live
end

-- extend makes key k live at least ms more milliseconds, never less: an
-- index outlives every object it points to. It is given an hour more than
-- asked, so that the writes of the next hour find it long-lived enough and
-- skip the PEXPIRE.
local INDEX_SLACK = 3600000
local function extend(k, ms)
  local want = tonumber(ms)
  if redis.call('PTTL', k) < want then
    redis.call('PEXPIRE', k, want + INDEX_SLACK)
  end
end

-- reindex moves member id (at score seq) from the index keys in old that
-- are not in new to those in new, extending each new one to ttl (when ttl
-- is given).
local function reindex(old, new, seq, id, ttl)
  local keep = {}
  for _, k in ipairs(new) do keep[k] = true end
  for _, k in ipairs(old) do
    if not keep[k] then redis.call('ZREM', k, id) end
  end
  for _, k in ipairs(new) do
    redis.call('ZADD', k, seq, id)
    if ttl then extend(k, ttl) end
  end
end

-- sessionIndexes are the list indexes session id belongs to with these
-- field values.
local function sessionIndexes(sc, status, customer, email, payment, link)
  local base = P .. 'sessions:' .. sc
  local t = {base, base .. ':status:' .. status}
  if link and link ~= '' then t[#t + 1] = base .. ':link:' .. link end
  if customer ~= '' then t[#t + 1] = base .. ':customer:' .. customer end
  if email ~= '' then t[#t + 1] = base .. ':email:' .. email end
  if payment ~= '' then t[#t + 1] = base .. ':payment:' .. payment end
  return t
end

-- Lookups. P payment-ref:{provider}:{ref} is a sorted set of the payments
-- with that provider reference, by seq, so that the newest is found should
-- two share one.

local function refKey(provider, ref)
  return P .. 'payment-ref:' .. provider .. ':' .. ref
end

-- P payments-pending:{0|1}:{provider} is a sorted set of the payments
-- through provider in that mode that are not final or have a check due (in
-- P due:payments), of every account, by seq (Store.PendingPayments). The provider comes last: it is
-- the one free-form part.
local function pendingKey(provider, live)
  return P .. 'payments-pending:' .. live .. ':' .. provider
end

-- final reports whether a payment status admits no further change
-- (checkout.PaymentState.Final).
local function final(status)
  return status == 'succeeded' or status == 'failed' or status == 'canceled'
end

-- pending reports whether decoded payment o (with id) belongs in its
-- provider's pending set: not final, or with a check due.
local function pending(o, id)
  return not final(o.Status) or redis.call('ZSCORE', P .. 'due:payments', id) ~= false
end

local function paymentIndexes(sc, session)
  local base = P .. 'payments:' .. sc
  return {base, base .. ':session:' .. session}
end

local function eventIndexes(sc, typ, object)
  local base = P .. 'events:' .. sc
  return {base, base .. ':type:' .. typ, base .. ':object:' .. object}
end

-- Deliveries travel as 9 ARGV fields each, from position i.
local DELIVERY_FIELDS = 9

-- checkNewDeliveries returns false if any of the n deliveries from ARGV[i]
-- exists, or two of them share an id.
local function checkNewDeliveries(i, n)
  local seen = {}
  for j = 0, n - 1 do
    local id = ARGV[i + j * DELIVERY_FIELDS]
    if seen[id] or redis.call('EXISTS', P .. 'delivery:' .. id) == 1 then
      return false
    end
    seen[id] = true
  end
  return true
end

-- insertDeliveries stores the n deliveries from ARGV[i]. A pending delivery
-- is queued and kept without expiry until it is final; a final one expires
-- after retention ms.
local function insertDeliveries(i, n, retention)
  for j = 0, n - 1 do
    local o = i + j * DELIVERY_FIELDS
    local id, acct, live, ev, ep = ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4]
    local status, nextAt, lease, data = ARGV[o + 5], ARGV[o + 6], ARGV[o + 7], ARGV[o + 8]
    local k = P .. 'delivery:' .. id
    redis.call('HSET', k, 'd', data, 'v', '1', 'l', lease, 's', status,
      'a', acct, 'm', live, 'ev', ev, 'ep', ep)
    local seq = redis.call('INCR', P .. 'seq')
    local idx = P .. 'deliveries:' .. ev
    redis.call('ZADD', idx, seq, id)
    extend(idx, retention)
    if status == 'pending' then
      redis.call('ZADD', P .. 'outbox:deliveries', nextAt, id)
      redis.call('SADD', P .. 'endpoint-pending:' .. ep, id)
    else
      redis.call('PEXPIRE', k, retention)
    end
  end
end

-- API keys. P apikey:{hash} holds the key as made (JSON, never changed
-- after); what changes is kept beside it in the hash P apikey-state:{hash}
-- (r: revoked, x: expires at, u: last used; unix µs, absent or '0' when
-- unset). P apikey-id:{id} names the hash of key id, and P apikeys:{sc}
-- lists the scope's key ids by seq.

-- storeKey stores a new key and indexes it.
local function storeKey(h, data, id, sc)
  redis.call('SET', P .. 'apikey:' .. h, data)
  redis.call('SET', P .. 'apikey-id:' .. id, h)
  redis.call('ZADD', P .. 'apikeys:' .. sc, redis.call('INCR', P .. 'seq'), id)
end

-- keyRecord is the reply for the key of hash h: its data and state, or
-- four empty strings when there is none.
local function keyRecord(h)
  local data = redis.call('GET', P .. 'apikey:' .. h)
  if not data then return {'', '', '', ''} end
  local st = redis.call('HMGET', P .. 'apikey-state:' .. h, 'r', 'x', 'u')
  return {data, st[1] or '', st[2] or '', st[3] or ''}
end

-- scopedKey returns the hash and the decoded key of id if it is in scope
-- (acct, live), else nil.
local function scopedKey(id, acct, live)
  local h = redis.call('GET', P .. 'apikey-id:' .. id)
  if not h then return nil end
  local data = redis.call('GET', P .. 'apikey:' .. h)
  if not data then return nil end
  local k = cjson.decode(data)
  if k.AccountID ~= acct or mode(k.Livemode) ~= live then return nil end
  return h, k
end

local function isSet(v)
  return v and v ~= '0' and v ~= ''
end
