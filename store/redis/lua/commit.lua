-- Commit: one change, all or nothing. Every check runs before the first
-- write, because a Lua script that fails half way does not roll back.
--
-- ARGV: P, retention ms, then
--   session flag '0'/'1' and, if '1': id, account, live, version, data,
--     ttl ms, status, customer, customer email, payment, expires_at µs;
--   payment flag and, if '1': id, account, live, version, data, ttl ms,
--     session id, status, due µs (Payment.Due(); '0' when none, as for
--     every final payment), provider, provider ref;
--   endpoint flag and, if '1': id, account, live, version, data;
--   object count and each time: kind, id, account, live, version, data,
--     key count k, k lookup keys;
--   event count n and n times: id, account, live, type, object id, data.
local retention = ARGV[2]
local i = 2
local function nxt()
  i = i + 1
  return ARGV[i]
end

local s
if nxt() == '1' then
  s = {id = nxt(), acct = nxt(), live = nxt(), version = tonumber(nxt()), data = nxt(), ttl = nxt(),
    status = nxt(), customer = nxt(), email = nxt(), payment = nxt(), expires = nxt()}
end
local p
if nxt() == '1' then
  p = {id = nxt(), acct = nxt(), live = nxt(), version = tonumber(nxt()), data = nxt(), ttl = nxt(),
    session = nxt(), status = nxt(), due = nxt(), provider = nxt(), ref = nxt()}
end
local ep
if nxt() == '1' then
  ep = {id = nxt(), acct = nxt(), live = nxt(), version = tonumber(nxt()), data = nxt()}
end
local objects = {}
for _ = 1, tonumber(nxt()) do
  local o = {kind = nxt(), id = nxt(), acct = nxt(), live = nxt(), version = tonumber(nxt()), data = nxt(), keys = {}}
  for _ = 1, tonumber(nxt()) do o.keys[#o.keys + 1] = nxt() end
  objects[#objects + 1] = o
end
local events = {}
for _ = 1, tonumber(nxt()) do
  events[#events + 1] = {id = nxt(), acct = nxt(), live = nxt(), type = nxt(), object = nxt(), data = nxt()}
end

-- Checks.
local oldSession, oldPayment
if s then
  local raw = redis.call('GET', P .. 'session:' .. s.id)
  if not raw then return redis.error_reply('CONFLICT') end
  oldSession = cjson.decode(raw)
  if not owned(oldSession, s.version - 1, s.acct, s.live) then
    return redis.error_reply('CONFLICT')
  end
end
if p then
  local raw = redis.call('GET', P .. 'payment:' .. p.id)
  if p.version == 1 then
    if raw then return redis.error_reply('CONFLICT') end
  else
    if not raw then return redis.error_reply('CONFLICT') end
    oldPayment = cjson.decode(raw)
    if not owned(oldPayment, p.version - 1, p.acct, p.live) then
      return redis.error_reply('CONFLICT')
    end
  end
end
if ep then
  local raw = redis.call('GET', P .. 'endpoint:' .. ep.id)
  if not raw or not owned(cjson.decode(raw), ep.version - 1, ep.acct, ep.live) then
    return redis.error_reply('CONFLICT')
  end
end
-- An object is a hash (d: data, v: version, a, m: account, mode); its
-- lookup keys are strings naming its id, and the set object-keys lists
-- them so that the next write can drop the ones it no longer has.
local objSeen, keyOwner = {}, {}
for _, o in ipairs(objects) do
  local k = P .. 'object:' .. o.kind .. ':' .. o.id
  if objSeen[k] then return redis.error_reply('CONFLICT') end
  objSeen[k] = true
  if o.version == 1 then
    if redis.call('EXISTS', k) == 1 then return redis.error_reply('CONFLICT') end
  else
    local h = redis.call('HMGET', k, 'v', 'a', 'm')
    if not h[1] or tonumber(h[1]) ~= o.version - 1 or h[2] ~= o.acct or h[3] ~= o.live then
      return redis.error_reply('CONFLICT')
    end
  end
  for _, key in ipairs(o.keys) do
    local lk = P .. 'object-key:' .. o.kind .. ':' .. key
    local holder = keyOwner[lk] or redis.call('GET', lk)
    if holder and holder ~= o.id then return redis.error_reply('CONFLICT') end
    keyOwner[lk] = o.id
  end
end
local seen = {}
for _, e in ipairs(events) do
  if seen[e.id] or redis.call('EXISTS', P .. 'event:' .. e.id) == 1 then
    return redis.error_reply('CONFLICT')
  end
  seen[e.id] = true
end

-- Writes.
if s then
  local sc = scope(s.acct, s.live)
  local all = P .. 'sessions:' .. sc
  -- The session keeps its place in the lists: its seq is its score in the
  -- scope's index (a new one only if that entry was pruned).
  local seq = redis.call('ZSCORE', all, s.id) or redis.call('INCR', P .. 'seq')
  redis.call('SET', P .. 'session:' .. s.id, s.data, 'PX', s.ttl)
  reindex(
    sessionIndexes(sc, oldSession.Status, oldSession.Customer, oldSession.CustomerEmail, oldSession.Payment, oldSession.PaymentLink),
    -- A session's payment link never changes: the stored one's index is kept.
    sessionIndexes(sc, s.status, s.customer, s.email, s.payment, oldSession.PaymentLink), seq, s.id, s.ttl)
  if s.status == 'open' then
    redis.call('ZADD', P .. 'due:sessions', s.expires, s.id)
  else
    redis.call('ZREM', P .. 'due:sessions', s.id)
  end
end
if p then
  local sc = scope(p.acct, p.live)
  local seq, old
  if oldPayment then
    seq = redis.call('ZSCORE', P .. 'payments:' .. sc, p.id)
    old = paymentIndexes(sc, oldPayment.SessionID)
  end
  seq = seq or redis.call('INCR', P .. 'seq')
  redis.call('SET', P .. 'payment:' .. p.id, p.data, 'PX', p.ttl)
  reindex(old or {}, paymentIndexes(sc, p.session), seq, p.id, p.ttl)
  local oldRef = oldPayment and (oldPayment.ProviderRef or '') or ''
  if oldRef ~= '' and (oldRef ~= p.ref or oldPayment.Provider ~= p.provider) then
    redis.call('ZREM', refKey(oldPayment.Provider, oldRef), p.id)
  end
  if p.ref ~= '' then
    redis.call('ZADD', refKey(p.provider, p.ref), seq, p.id)
    extend(refKey(p.provider, p.ref), p.ttl)
  end
  -- The provider's pending set holds the payment while it is not final or
  -- has a check due, kept in this same script, so no reader sees it
  -- settled and still pending.
  if oldPayment and oldPayment.Provider ~= p.provider then
    redis.call('ZREM', pendingKey(oldPayment.Provider, p.live), p.id)
  end
  if final(p.status) and p.due == '0' then
    redis.call('ZREM', pendingKey(p.provider, p.live), p.id)
  else
    redis.call('ZADD', pendingKey(p.provider, p.live), seq, p.id)
    extend(pendingKey(p.provider, p.live), p.ttl)
  end
  if p.due ~= '0' then
    redis.call('ZADD', P .. 'due:payments', p.due, p.id)
  else
    redis.call('ZREM', P .. 'due:payments', p.id)
  end
end
if ep then
  redis.call('SET', P .. 'endpoint:' .. ep.id, ep.data)
end
for _, o in ipairs(objects) do
  local k = P .. 'object:' .. o.kind .. ':' .. o.id
  local set = P .. 'object-keys:' .. o.kind .. ':' .. o.id
  local keep = {}
  for _, key in ipairs(o.keys) do keep[key] = true end
  for _, old in ipairs(redis.call('SMEMBERS', set)) do
    if not keep[old] then redis.call('DEL', P .. 'object-key:' .. o.kind .. ':' .. old) end
  end
  redis.call('DEL', set)
  for _, key in ipairs(o.keys) do
    redis.call('SET', P .. 'object-key:' .. o.kind .. ':' .. key, o.id)
    redis.call('SADD', set, key)
  end
  if o.version == 1 then
    redis.call('ZADD', P .. 'objects:' .. scope(o.acct, o.live) .. ':' .. o.kind, redis.call('INCR', P .. 'seq'), o.id)
  end
  redis.call('HSET', k, 'd', o.data, 'v', tostring(o.version), 'a', o.acct, 'm', o.live)
end
for _, e in ipairs(events) do
  -- Undispatched events do not expire (the outbox must not lose them);
  -- Dispatch gives them the retention.
  redis.call('SET', P .. 'event:' .. e.id, e.data)
  local seq = redis.call('INCR', P .. 'seq')
  reindex({}, eventIndexes(scope(e.acct, e.live), e.type, e.object), seq, e.id, retention)
  redis.call('ZADD', P .. 'outbox:events', seq, e.id)
end
return 'OK'
