import { TAKE_APPEND_TOKENS_FUNCTION } from '../tenant-limits/token-bucket.script';
import { LuaScript } from './lua-script';

/*
 * The Redis head index: one atomic step per decision. Layout (P = key prefix):
 *   P:c:{id}    hash  s (p = create pending, c = created), v (version = head seq),
 *                     t (1 = tombstoned), m (metadata JSON), ca/ua (created/updated ms),
 *                     h (set when loaded from the projection: pairs of seqs up to h are
 *                     only in the projection's producer_pairs, not here),
 *                     pa (participants JSON, ordered by id; absent = none),
 *                     pl ("{token}|{expires ms}": a participants change whose event is being
 *                     produced; another may start once it expires),
 *                     ti (title JSON: a string or null; absent = null), ar (1 = archived),
 *                     hv (header version: counts header updates, 0 at create; absent = 0),
 *                     cr (creator principal JSON; absent = null),
 *                     ul ("{token}|{expires ms}": a header update whose event is being produced)
 *                     fp/fa (a fork's parent conversation id and the parent seq it copies through)
 *   P:c:{id}:p  hash  "{producer_id}\n{producer_seq}" -> "{seq}|{hash}|{state}|{reserved ms}"
 *                     state: p = reserved, a = acknowledged, x = abandoned (outcome in the projection)
 *   P:pending   zset  reservations not yet acknowledged, scored by reservation time (ms)
 *   P:reaping   zset  reservations the hole reaper has claimed, scored by claim time
 *   P:index-epoch  integer, the index epoch; present only while the index is trusted
 *                  (see index-rebuild.service.ts). Every event carries the epoch it was
 *                  decided in, and an append is acknowledged only if the epoch is still
 *                  the same once Kafka has the event (ackScript).
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

const PAIR_PATTERN = `'^(%d+)|([^|]*)|(%a)|(%d+)$'`;

/**
 * KEYS[2] pairs, ARGV[2] pairField|'', ARGV[3] seq: moves the pair from pending (p)
 * to `state` if it is still pending at that seq.
 */
function settlePendingPair(state: 'a' | 'x'): string {
  return `
if ARGV[2] ~= '' then
  local prior = redis.call('HGET', KEYS[2], ARGV[2])
  if prior then
    local seq, hash, st, at = string.match(prior, ${PAIR_PATTERN})
    if st == 'p' and seq == ARGV[3] then
      redis.call('HSET', KEYS[2], ARGV[2], seq .. '|' .. hash .. '|${state}|' .. at)
    end
  end
end`;
}

/**
 * KEYS conv, pairs, pending, epoch, then for a charge the tenant's appends and bytes
 * buckets. ARGV ifVersion|'', pairField|'', contentHash, conversationKey, pairChecked ('1'
 * once the projection was asked about the pair), then for a charge appends/s, bytes/s and
 * the append's bytes. A charge the buckets refuse is answered 'rate_limited' with the wait
 * in ms before anything else is looked at; one they take is taken whatever the decision.
 */
export const appendScript = new LuaScript(`
${TAKE_APPEND_TOKENS_FUNCTION}
${NOW}
if KEYS[5] then
  local wait = takeAppendTokens(KEYS[5], KEYS[6], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), now)
  if wait > 0 then return {'rate_limited', tostring(wait)} end
end
local epoch = redis.call('GET', KEYS[4])
if not epoch then return {'rebuilding'} end
local rec = redis.call('HMGET', KEYS[1], 's', 'v', 't', 'h')
if not rec[1] then return {'missing'} end
if rec[1] ~= 'c' then return {'not_found'} end
if ARGV[2] ~= '' then
  local prior = redis.call('HGET', KEYS[2], ARGV[2])
  if prior then
    local seq, hash, st, at = string.match(prior, ${PAIR_PATTERN})
    if hash ~= ARGV[3] then return {'replay_conflict', seq} end
    if st == 'a' then return {'deduped', seq} end
    if st == 'p' then return {'inflight', seq, at, tostring(now), epoch} end
    return {'abandoned', seq}
  end
  if rec[4] and ARGV[5] ~= '1' then return {'pair_unknown'} end
end
if rec[3] == '1' then return {'tombstoned'} end
local v = tonumber(rec[2])
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= v then return {'conflict', tostring(v)} end
local seq = v + 1
redis.call('HSET', KEYS[1], 'v', seq, 'ua', now)
redis.call('ZADD', KEYS[3], now, 's\\n' .. ARGV[4] .. '\\n' .. seq .. '\\n' .. ARGV[2])
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[2], seq .. '|' .. ARGV[3] .. '|p|' .. now)
end
return {'reserved', tostring(seq), epoch}
`);

/**
 * KEYS pending, pairs, epoch. ARGV pendingMember, pairField|'', seq, epoch. Marks a
 * reservation acknowledged, but only while its epoch is still the trusted one:
 * 'fenced' means a rebuild may have fenced the event off, so it cannot be acknowledged.
 */
export const ackScript = new LuaScript(`
if redis.call('GET', KEYS[3]) ~= ARGV[4] then return {'fenced'} end
redis.call('ZREM', KEYS[1], ARGV[1])
${settlePendingPair('a')}
return {'ok'}
`);

/** KEYS pairs. ARGV pairField, seq, outcome (a = message won, gone = tombstone won). */
export const resolvePairScript = new LuaScript(`
local prior = redis.call('HGET', KEYS[1], ARGV[1])
if not prior then return {'ok'} end
local seq, hash, st, at = string.match(prior, ${PAIR_PATTERN})
if seq ~= ARGV[2] or st == 'a' then return {'ok'} end
if ARGV[3] == 'a' then
  redis.call('HSET', KEYS[1], ARGV[1], seq .. '|' .. hash .. '|a|' .. at)
elseif st == 'x' then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return {'ok'}
`);

/** KEYS conv, epoch. Returns the record fields, or a status. */
export const readScript = new LuaScript(`
if redis.call('EXISTS', KEYS[2]) == 0 then return {'rebuilding'} end
local rec = redis.call('HMGET', KEYS[1], 's', 'v', 't', 'm', 'ca', 'ua', 'pa', 'ti', 'ar', 'hv', 'cr', 'fp', 'fa')
if not rec[1] then return {'missing'} end
return {'ok', rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7] or '[]', rec[8] or 'null', rec[9] or '0', rec[10] or '0',
  rec[11] or 'null', rec[12] or '', rec[13] or ''}
`);

/**
 * KEYS conv, epoch. ARGV metadataJson, participantsJson, titleJson, creatorJson.
 * Creates a pending record unless one exists; returns the epoch and the record.
 */
export const createScript = new LuaScript(`
local epoch = redis.call('GET', KEYS[2])
if not epoch then return {'rebuilding'} end
if redis.call('EXISTS', KEYS[1]) == 0 then
  ${NOW}
  redis.call('HSET', KEYS[1], 's', 'p', 'v', 0, 't', 0, 'm', ARGV[1], 'ca', now, 'ua', now, 'pa', ARGV[2],
    'ti', ARGV[3], 'ar', 0, 'hv', 0, 'cr', ARGV[4])
end
local rec = redis.call('HMGET', KEYS[1], 's', 'v', 't', 'm', 'ca', 'ua', 'pa', 'ti', 'ar', 'hv', 'cr', 'fp', 'fa')
return {'ok', epoch, rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7] or '[]', rec[8] or 'null', rec[9] or '0', rec[10] or '0',
  rec[11] or 'null', rec[12] or '', rec[13] or ''}
`);

/**
 * KEYS conv, epoch. ARGV metadataJson, parentId, atSeq. Decides a fork: creates a
 * pending record with head = atSeq naming its parent, unless one exists. 'ok' with
 * the epoch and the record when the record is this fork (new, or a retry of it,
 * pending or created); 'conflict' when the id holds another conversation.
 */
export const forkScript = new LuaScript(`
local epoch = redis.call('GET', KEYS[2])
if not epoch then return {'rebuilding'} end
if redis.call('EXISTS', KEYS[1]) == 0 then
  ${NOW}
  redis.call('HSET', KEYS[1], 's', 'p', 'v', ARGV[3], 't', 0, 'm', ARGV[1], 'ca', now, 'ua', now, 'pa', '[]',
    'ti', 'null', 'ar', 0, 'hv', 0, 'cr', 'null', 'fp', ARGV[2], 'fa', ARGV[3])
end
local rec = redis.call('HMGET', KEYS[1], 's', 'v', 't', 'm', 'ca', 'ua', 'pa', 'ti', 'ar', 'hv', 'cr', 'fp', 'fa')
if rec[12] ~= ARGV[2] or rec[13] ~= ARGV[3] then return {'conflict'} end
return {'ok', epoch, rec[1], rec[2], rec[3], rec[4], rec[5], rec[6], rec[7] or '[]', rec[8] or 'null', rec[9] or '0', rec[10] or '0',
  rec[11] or 'null', rec[12] or '', rec[13] or ''}
`);

/**
 * KEYS conv, epoch. ARGV participantsJson, token, lockMs. Starts a participants
 * change: 'same' if the list is already that one; else takes the conversation's
 * participants lock for lockMs (one change in flight per conversation, so the order of
 * the events is the order of the changes) and returns the epoch to stamp the event with.
 */
export const beginParticipantsScript = new LuaScript(`
local epoch = redis.call('GET', KEYS[2])
if not epoch then return {'rebuilding'} end
local rec = redis.call('HMGET', KEYS[1], 's', 't', 'pa', 'pl')
if not rec[1] then return {'missing'} end
if rec[1] ~= 'c' then return {'not_found'} end
if rec[2] == '1' then return {'tombstoned'} end
if (rec[3] or '[]') == ARGV[1] then return {'same'} end
${NOW}
if rec[4] then
  local expires = tonumber(string.match(rec[4], '|(%d+)$'))
  if expires and expires > now then return {'busy'} end
end
redis.call('HSET', KEYS[1], 'pl', ARGV[2] .. '|' .. (now + tonumber(ARGV[3])))
return {'ok', epoch}
`);

/**
 * KEYS conv, epoch. ARGV participantsJson, token, epoch, publishedOk ('1' once Kafka
 * has the event). Ends a participants change: releases the lock and, if the event is
 * durable and its epoch still trusted, records the list. 'fenced' when a rebuild may
 * have fenced the event off.
 */
export const finishParticipantsScript = new LuaScript(`
local lock = redis.call('HGET', KEYS[1], 'pl')
if lock and string.match(lock, '^(.*)|%d+$') == ARGV[2] then redis.call('HDEL', KEYS[1], 'pl') end
if ARGV[4] ~= '1' then return {'ok'} end
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return {'fenced'} end
${NOW}
redis.call('HSET', KEYS[1], 'pa', ARGV[1], 'ua', now)
return {'ok'}
`);

/**
 * KEYS conv, epoch. ARGV baseVersion, token, lockMs. Starts a header update decided
 * against header version `baseVersion`: 'stale' with the current version if the
 * header changed since; 'busy' while another update's event is being produced; else
 * takes the conversation's update lock for lockMs (one update in flight per
 * conversation, so the events are in version order) and returns the epoch.
 */
export const beginUpdateScript = new LuaScript(`
local epoch = redis.call('GET', KEYS[2])
if not epoch then return {'rebuilding'} end
local rec = redis.call('HMGET', KEYS[1], 's', 't', 'hv', 'ul')
if not rec[1] then return {'missing'} end
if rec[1] ~= 'c' then return {'not_found'} end
if rec[2] == '1' then return {'tombstoned'} end
${NOW}
if rec[4] then
  local expires = tonumber(string.match(rec[4], '|(%d+)$'))
  if expires and expires > now then return {'busy'} end
end
local current = rec[3] or '0'
if current ~= ARGV[1] then return {'stale', current} end
redis.call('HSET', KEYS[1], 'ul', ARGV[2] .. '|' .. (now + tonumber(ARGV[3])))
return {'ok', epoch}
`);

/**
 * KEYS conv, epoch. ARGV token, epoch, publishedOk, version, titleJson, metadataJson,
 * archived ('1'/'0'). Ends a header update: releases the lock of `token` and takes
 * the version, whether or not Kafka acknowledged (an event that landed anyway is
 * superseded by the next update, which carries the whole header at a higher version).
 * If the event is durable and its epoch still trusted, records the new header;
 * 'fenced' when a rebuild may have fenced the event off.
 */
export const finishUpdateScript = new LuaScript(`
local lock = redis.call('HGET', KEYS[1], 'ul')
if lock and string.match(lock, '^(.*)|%d+$') == ARGV[1] then redis.call('HDEL', KEYS[1], 'ul') end
redis.call('HSET', KEYS[1], 'hv', ARGV[4])
if ARGV[3] ~= '1' then return {'ok'} end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return {'fenced'} end
${NOW}
redis.call('HSET', KEYS[1], 'ti', ARGV[5], 'm', ARGV[6], 'ar', ARGV[7], 'ua', now)
return {'ok'}
`);

/** KEYS conv, epoch. ARGV epoch. Marks a pending create durable, unless its epoch was fenced off. */
export const confirmCreateScript = new LuaScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {'fenced'} end
if redis.call('HGET', KEYS[1], 's') == 'p' then redis.call('HSET', KEYS[1], 's', 'c') end
return {'ok'}
`);

/**
 * KEYS conv, epoch. ARGV v, t, metadataJson, ca, ua, participantsJson, titleJson, archived,
 * headerVersion, creatorJson, forkParent|'', forkAtSeq|''. Loads a record from the projection
 * unless present; its producer pairs up to v stay in the projection (field h).
 */
export const hydrateScript = new LuaScript(`
if redis.call('EXISTS', KEYS[2]) == 0 then return {'rebuilding'} end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
redis.call('HSET', KEYS[1], 's', 'c', 'v', ARGV[1], 't', ARGV[2], 'm', ARGV[3], 'ca', ARGV[4], 'ua', ARGV[5], 'h', ARGV[1],
  'pa', ARGV[6], 'ti', ARGV[7], 'ar', ARGV[8], 'hv', ARGV[9], 'cr', ARGV[10])
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'fp', ARGV[11], 'fa', ARGV[12]) end
return {'ok'}
`);

/** KEYS pairs. ARGV pairField, seq, contentHash. Restores an acknowledged pair the projection holds. */
export const restorePairScript = new LuaScript(`
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|a|0')
return {'ok'}
`);

/** KEYS conv, pending, epoch. ARGV conversationKey. Tombstones the conversation in the index. */
export const deleteScript = new LuaScript(`
local epoch = redis.call('GET', KEYS[3])
if not epoch then return {'rebuilding'} end
local rec = redis.call('HMGET', KEYS[1], 's', 'v', 't')
if not rec[1] then return {'missing'} end
if rec[1] ~= 'c' then return {'not_found'} end
local member = 'd\\n' .. ARGV[1] .. '\\n' .. rec[2] .. '\\n'
if rec[3] == '1' then
  if redis.call('ZSCORE', KEYS[2], member) then return {'deleting', rec[2], epoch} end
  return {'already', rec[2]}
end
${NOW}
redis.call('HSET', KEYS[1], 't', 1, 'ua', now)
redis.call('ZADD', KEYS[2], now, member)
return {'deleting', rec[2], epoch}
`);

/** KEYS pending, epoch. ARGV member, epoch. Forgets a pending entry once its event is durable, unless fenced off. */
export const settleScript = new LuaScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return {'fenced'} end
redis.call('ZREM', KEYS[1], ARGV[1])
return {'ok'}
`);

/**
 * KEYS pending, reaping, epoch. ARGV graceMs, leaseMs, limit. Claims reservations older
 * than the grace period (and re-claims claims whose reaper died), returning the epoch
 * and their members; nothing while the index is not trusted.
 */
export const claimScript = new LuaScript(`
local epoch = redis.call('GET', KEYS[3])
if not epoch then return {} end
${NOW}
local out = {epoch}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZADD', KEYS[2], now, m)
  table.insert(out, m)
end
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]), 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(stale) do
  redis.call('ZADD', KEYS[2], now, m)
  table.insert(out, m)
end
return out
`);

/** KEYS reaping, pairs. ARGV member, pairField|'', seq. Finishes a claim: the pair's outcome is now in the projection. */
export const finishClaimScript = new LuaScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
${settlePendingPair('x')}
return {'ok'}
`);

/**
 * KEYS lock, epoch. ARGV owner, epoch|''. 'ok' while the caller still holds the rebuild
 * lock and the index is untrusted; with an epoch, also trusts the index at it.
 */
export const trustScript = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'trusted'} end
if ARGV[2] ~= '' then redis.call('SET', KEYS[2], ARGV[2]) end
return {'ok'}
`);

/** KEYS epoch. ARGV epoch. Removes the epoch key only if it still holds that epoch. */
export const distrustScript = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return {'ok'}
`);

/** KEYS lock. ARGV owner, ttlMs. Extends a lock only for its owner. */
export const extendLockScript = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'lost'} end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'ok'}
`);
