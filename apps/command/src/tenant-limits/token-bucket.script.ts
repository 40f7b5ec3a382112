/**
 * Lua: `takeAppendTokens(appendsKey, bytesKey, appendRate, byteRate, bytes, nowMs)` takes
 * two token buckets together, atomically: `appendsKey` counts appends, `bytesKey` their
 * bytes. Each bucket holds one second of its rate and refills continuously by Redis'
 * clock (`nowMs`, from TIME: one clock for every command instance). Returns 0 and takes
 * one append and its bytes when both buckets have them; otherwise takes nothing and
 * returns the milliseconds until they will. The head index's append script runs it
 * before deciding, so charging an append costs no round trip of its own.
 */
export const TAKE_APPEND_TOKENS_FUNCTION = `
local function takeAppendTokens(appendsKey, bytesKey, appendRate, byteRate, bytes, nowMs)
  local function level(key, rate)
    local state = redis.call('HMGET', key, 'tokens', 'at')
    local tokens = tonumber(state[1])
    if tokens == nil then
      return rate
    end
    return math.min(rate, tokens + (nowMs - tonumber(state[2])) * rate / 1000)
  end
  local appends = level(appendsKey, appendRate)
  local budget = level(bytesKey, byteRate)
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
  redis.call('HSET', appendsKey, 'tokens', tostring(appends - 1), 'at', nowMs)
  redis.call('HSET', bytesKey, 'tokens', tostring(budget - bytes), 'at', nowMs)
  redis.call('PEXPIRE', appendsKey, 2000)
  redis.call('PEXPIRE', bytesKey, 2000)
  return 0
end
`;
