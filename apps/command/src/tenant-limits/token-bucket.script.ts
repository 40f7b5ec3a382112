/**
 * Two token buckets taken together, atomically: KEYS[1] counts appends, KEYS[2]
 * counts their bytes. ARGV: appends per second, bytes per second, this append's
 * bytes. Each bucket holds one second of its rate and refills continuously by
 * Redis' clock (one clock for every command instance). Returns 0 and takes one
 * append and its bytes when both buckets have them; otherwise takes nothing and
 * returns the milliseconds until they will.
 */
export const TAKE_APPEND_TOKENS = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local function level(key, rate)
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(state[1])
  if tokens == nil then
    return rate
  end
  return math.min(rate, tokens + (nowMs - tonumber(state[2])) * rate / 1000)
end
local appendRate = tonumber(ARGV[1])
local byteRate = tonumber(ARGV[2])
local bytes = tonumber(ARGV[3])
local appends = level(KEYS[1], appendRate)
local budget = level(KEYS[2], byteRate)
local wait = 0
if appends < 1 then
  wait = math.ceil((1 - appends) * 1000 / appendRate)
end
if budget < bytes then
  wait = math.max(wait, math.ceil((bytes - budget) * 1000 / byteRate))
end
if wait > 0 then
  return wait
end
redis.call('HSET', KEYS[1], 'tokens', tostring(appends - 1), 'at', nowMs)
redis.call('HSET', KEYS[2], 'tokens', tostring(budget - bytes), 'at', nowMs)
redis.call('PEXPIRE', KEYS[1], 2000)
redis.call('PEXPIRE', KEYS[2], 2000)
return 0
`;
