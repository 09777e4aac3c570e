-- FindAPIKey and the reads of ListAPIKeys. ARGV: P, then key hashes (hex).
-- Reply: per hash, data, revoked, expires at, last used ('' when unset or
-- when there is no such key).
local out = {}
for i = 2, #ARGV do
  local r = keyRecord(ARGV[i])
  for j = 1, 4 do out[#out + 1] = r[j] end
end
return out
