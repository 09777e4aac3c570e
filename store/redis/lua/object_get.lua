-- GetObject and FindObject: an object of a kind, by its id or by one of
-- its lookup keys.
-- ARGV: P, kind, 'id' or 'key', the id or key.
-- Reply: data, account, live; or nothing when there is no such object.
local kind, by, v = ARGV[2], ARGV[3], ARGV[4]
local id = v
if by == 'key' then
  id = redis.call('GET', P .. 'object-key:' .. kind .. ':' .. v)
  if not id then return {} end
end
local h = redis.call('HMGET', P .. 'object:' .. kind .. ':' .. id, 'd', 'a', 'm')
if not h[1] then return {} end
return h
