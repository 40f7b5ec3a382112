import { LuaScript } from '../head-index/lua-script';

/*
 * The Redis run index: while a run streams, Redis is its authority, and every
 * operation on it is one atomic decision here. Layout (P = key prefix):
 *   P:run:{tenant}/{run_id}  hash
 *     st  streaming | committing | committed | failed | cancelled
 *     cv  conversation id, ac actor, md metadata JSON, ps parent seq ('' = none)
 *     l   the run's last run_seq (the pending batch's included)
 *     ep, eh, ea  the last accepted batch: its producer_seq, content hash and last run_seq
 *     pk, pi, pr, pp, ph, pt  the pending record (at most one): kind (s = start,
 *         e = events, f = finish), event id, record JSON, and for a batch its
 *         producer_seq ('' = none), content hash and last run_seq
 *     ls  "{token}|{expires ms}": the operation in flight; another waits until it ends or expires
 *     ua  when the last operation ended (ms); the idle reaper looks at it
 *     fr, fm  the end's reason and message; ms  the committed message seqs (JSON)
 *   P:runs:active  zset  "{tenant}/{run_id}" of runs not yet final, scored by ua
 * A record is produced to the runs topic only as the pending one: it is stored
 * here first, produced, then cleared by ackScript; an operation that finds a
 * pending record (its producer died or failed) produces that one first (flush).
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Answers `busy` while another operation's lease runs; ARGV[tokenArg] is this operation's token. */
function leaseCheck(tokenArg: number): string {
  return `
local lease = redis.call('HGET', KEYS[1], 'ls')
if lease then
  local owner, expires = string.match(lease, '^([^|]*)|(%d+)$')
  if owner ~= ARGV[${tokenArg}] and tonumber(expires) > now then return {'busy', tostring(tonumber(expires) - now)} end
end`;
}

function takeLease(tokenArg: number, leaseArg: number): string {
  return `redis.call('HSET', KEYS[1], 'ls', ARGV[${tokenArg}] .. '|' .. (now + tonumber(ARGV[${leaseArg}])))`;
}

/** A pending record is produced before anything else happens to the run. */
function flushPending(tokenArg: number, leaseArg: number): string {
  return `
local pending = redis.call('HMGET', KEYS[1], 'pk', 'pr')
if pending[1] then
  ${takeLease(tokenArg, leaseArg)}
  return {'flush', pending[2]}
end`;
}

/** Not found, or closed to a token pinned to another conversation (ARGV[pinnedArg], '' = not pinned). */
function findRun(pinnedArg: number): string {
  return `
local st = redis.call('HGET', KEYS[1], 'st')
if not st then return {'not_found'} end
if ARGV[${pinnedArg}] ~= '' and ARGV[${pinnedArg}] ~= redis.call('HGET', KEYS[1], 'cv') then return {'forbidden'} end`;
}

/** Why a run that is not streaming refuses an operation. */
const NOT_STREAMING = `
if st == 'committing' then return {'committing'} end
if st == 'cancelled' then return {'cancelled'} end
return {'finished', st}`;

/**
 * KEYS run, active. ARGV conversation, actor, metadata JSON, parent seq|'',
 * run.started JSON, its event id, token, lease ms, member.
 */
export const startScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists'} end
${NOW}
redis.call('HSET', KEYS[1], 'st', 'streaming', 'cv', ARGV[1], 'ac', ARGV[2], 'md', ARGV[3], 'ps', ARGV[4], 'l', 0,
  'pk', 's', 'pr', ARGV[5], 'pi', ARGV[6], 'ua', now)
${takeLease(7, 8)}
redis.call('ZADD', KEYS[2], now, ARGV[9])
return {'produce'}
`);

/**
 * KEYS run. ARGV pinned|'', token, lease ms, producer_seq|'', content hash, event
 * count, max events per run, record JSON before from_run_seq, after it, event id.
 * A producer_seq at or below the last accepted one is a repeat: the same content
 * answers the accepted batch's last run_seq, other content is a conflict.
 */
export const eventsScript = new LuaScript(`
${findRun(1)}
${NOW}
if ARGV[4] ~= '' then
  local accepted = redis.call('HMGET', KEYS[1], 'ep', 'eh', 'ea')
  if accepted[1] and tonumber(ARGV[4]) <= tonumber(accepted[1]) then
    if accepted[2] == ARGV[5] then return {'deduped', accepted[3]} end
    return {'replay_conflict', accepted[1]}
  end
end
${leaseCheck(2)}
local pending = redis.call('HMGET', KEYS[1], 'pk', 'pr', 'pp', 'ph', 'pt')
if pending[1] then
  ${takeLease(2, 3)}
  if pending[1] == 'e' and ARGV[4] ~= '' and pending[3] == ARGV[4] then
    if pending[4] ~= ARGV[5] then return {'replay_conflict', ARGV[4]} end
    return {'produce', pending[2], pending[5]}
  end
  return {'flush', pending[2]}
end
if st ~= 'streaming' then ${NOT_STREAMING} end
local last = tonumber(redis.call('HGET', KEYS[1], 'l'))
local to = last + tonumber(ARGV[6])
if to > tonumber(ARGV[7]) then return {'too_large', tostring(last)} end
local record = ARGV[8] .. (last + 1) .. ARGV[9]
redis.call('HSET', KEYS[1], 'l', to, 'pk', 'e', 'pr', record, 'pi', ARGV[10], 'pp', ARGV[4], 'ph', ARGV[5], 'pt', to)
${takeLease(2, 3)}
return {'produce', record, tostring(to)}
`);

/**
 * KEYS run. ARGV pinned|'', token, lease ms, failed|cancelled, reason, message|'',
 * record JSON before last_run_seq, after it, event id, idle ms|''.
 * Ends a streaming run: its last run_seq is fixed here, after any pending batch.
 * With an idle bound, only a run whose last operation ended that long ago (the reaper).
 */
export const endScript = new LuaScript(`
${findRun(1)}
${NOW}
${leaseCheck(2)}
${flushPending(2, 3)}
local rec = redis.call('HMGET', KEYS[1], 'l', 'fr', 'ua')
if ARGV[10] ~= '' and now - tonumber(rec[3]) < tonumber(ARGV[10]) then return {'active'} end
if st == ARGV[4] then return {'already', rec[1], rec[2]} end
if st ~= 'streaming' then ${NOT_STREAMING} end
local record = ARGV[7] .. rec[1] .. ARGV[8]
redis.call('HSET', KEYS[1], 'st', ARGV[4], 'fr', ARGV[5], 'fm', ARGV[6], 'pk', 'f', 'pr', record, 'pi', ARGV[9])
${takeLease(2, 3)}
return {'produce', record, rec[1], ARGV[5]}
`);

/**
 * KEYS run. ARGV pinned|'', token, lease ms. A streaming run stops taking events
 * (committing); a committing one is taken over (its commit was interrupted); a
 * committed one answers its message seqs.
 */
export const commitBeginScript = new LuaScript(`
${findRun(1)}
${NOW}
${leaseCheck(2)}
${flushPending(2, 3)}
local rec = redis.call('HMGET', KEYS[1], 'l', 'cv', 'ac', 'md', 'ms')
if st == 'committed' then return {'committed', rec[1], rec[5]} end
if st ~= 'streaming' and st ~= 'committing' then ${NOT_STREAMING} end
redis.call('HSET', KEYS[1], 'st', 'committing')
${takeLease(2, 3)}
return {'commit', rec[1], rec[2], rec[3], rec[4]}
`);

/**
 * KEYS run. ARGV token, committed|failed, message seqs JSON, reason|'', message|'',
 * record JSON before last_run_seq, after it, event id. The commit's outcome: its
 * message appended (committed), or refused for good (failed); the run.finished is
 * pending. Only the operation holding the lease may do it.
 */
export const commitFinishScript = new LuaScript(`
local rec = redis.call('HMGET', KEYS[1], 'st', 'ls', 'l')
if rec[1] ~= 'committing' or not rec[2] or string.match(rec[2], '^([^|]*)|') ~= ARGV[1] then return {'lost'} end
local record = ARGV[6] .. rec[3] .. ARGV[7]
redis.call('HSET', KEYS[1], 'st', ARGV[2], 'ms', ARGV[3], 'fr', ARGV[4], 'fm', ARGV[5], 'pk', 'f', 'pr', record, 'pi', ARGV[8])
return {'produce', record}
`);

/**
 * KEYS run, active. ARGV token, event id of the produced record, member, ms a
 * final run's record is kept (later calls are answered from the projection). Kafka
 * has the record: it is no longer pending (a batch becomes the accepted one);
 * the lease ends. The record may have been cleared by another operation that
 * produced it again (this one's lease expired): nothing is lost, it is in the topic.
 */
export const ackScript = new LuaScript(`
${NOW}
local rec = redis.call('HMGET', KEYS[1], 'st', 'pk', 'pi', 'pp', 'ph', 'pt', 'ls')
if not rec[1] then return {'gone'} end
if rec[3] == ARGV[2] then
  if rec[2] == 'e' then
    if rec[4] ~= '' then redis.call('HSET', KEYS[1], 'ep', rec[4], 'eh', rec[5]) end
    redis.call('HSET', KEYS[1], 'ea', rec[6])
  end
  redis.call('HDEL', KEYS[1], 'pk', 'pi', 'pr', 'pp', 'ph', 'pt')
end
if rec[7] and string.match(rec[7], '^([^|]*)|') == ARGV[1] then redis.call('HDEL', KEYS[1], 'ls') end
redis.call('HSET', KEYS[1], 'ua', now)
if rec[1] == 'streaming' or rec[1] == 'committing' then
  redis.call('ZADD', KEYS[2], now, ARGV[3])
else
  redis.call('ZREM', KEYS[2], ARGV[3])
  if not redis.call('HGET', KEYS[1], 'pk') then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
end
return {'ok'}
`);

/** KEYS run. ARGV token: the operation ends without an ack (its produce failed); what is pending stays. */
export const releaseScript = new LuaScript(`
local lease = redis.call('HGET', KEYS[1], 'ls')
if lease and string.match(lease, '^([^|]*)|') == ARGV[1] then redis.call('HDEL', KEYS[1], 'ls') end
return {'ok'}
`);

/** KEYS active. ARGV idle ms, limit: members whose last operation ended at least that long ago. */
export const idleScript = new LuaScript(`
${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
`);

/** KEYS lock. ARGV owner: the owner releases the lock. */
export const unlockScript = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return {'ok'}
`);
