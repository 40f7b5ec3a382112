import { setTimeout as sleep } from 'node:timers/promises';
import { decodeRunRecord, RunEventBody, RunRecord } from '@threadline/contracts';
import { CommandConfig } from '../config/command.config';
import { RunIndexService, RunKey, RunOperation } from './run-index.service';
import { runEventsRecord, runFinishedRecord, runStartedRecord } from './run-records';
import { mediumRedis } from '../../../../test/support/medium-redis';

/*
 * The run index's Lua decisions against the real Redis of the local stack. Each
 * test uses a key prefix of its own.
 */
const REF = { tenantId: 'acme', conversationId: 'c1' };
const RUN: RunKey = { tenantId: 'acme', runId: 'run_1' };
const LEASE_MS = 10_000;

const medium = mediumRedis();
const redis = medium.client;
let prefix: string;
let index: RunIndexService;

beforeEach(() => {
  prefix = medium.prefix();
  index = new RunIndexService(redis, { redis: { keyPrefix: prefix } } as CommandConfig);
});

let tokens = 0;
const op = (over: Partial<RunOperation> = {}): RunOperation => ({
  run: RUN,
  token: `t${(tokens += 1)}`,
  leaseMs: LEASE_MS,
  pinnedConversation: undefined,
  ...over,
});

const text = (delta: string): RunEventBody => ({ kind: 'text-delta', delta });

function parse(record: string): RunRecord {
  return decodeRunRecord(Buffer.from(record));
}

/** The record a decision asks to produce (or flush). */
function recordOf(decision: { kind: string; record?: string }): string {
  if (decision.record === undefined) throw new Error(`no record in a ${decision.kind} decision`);
  return decision.record;
}

/** Kafka acknowledged the record: what the writer tells the index. */
async function ack(operation: RunOperation, record: string): Promise<void> {
  await index.acknowledge(operation.run, operation.token, parse(record).event_id);
}

async function startRun(run: RunKey = RUN): Promise<void> {
  const record = runStartedRecord(REF, run.runId, { actor: 'agent:a', parent_seq: 3, metadata: { m: 1 } }, new Date());
  const starting = op({ run });
  const json = JSON.stringify(record);
  expect(
    await index.start(
      starting,
      { conversationId: REF.conversationId, actor: 'agent:a', metadata: { m: 1 }, parentSeq: 3 },
      json,
      record.event_id,
    ),
  ).toBe(true);
  await index.acknowledge(run, starting.token, record.event_id);
}

/** Sends one batch through to its ack, as the service does. */
async function batch(events: RunEventBody[], producerSeq?: number) {
  const operation = op();
  const decision = await index.decideEvents(
    operation,
    { producerSeq, contentHash: JSON.stringify(events), count: events.length, maxEvents: 100 },
    runEventsRecord(REF, RUN.runId, events),
  );
  if (decision.kind === 'produce') await ack(operation, decision.record);
  return decision;
}

function decideBatch(operation: RunOperation, events: RunEventBody[], producerSeq?: number, maxEvents = 100) {
  return index.decideEvents(
    operation,
    { producerSeq, contentHash: JSON.stringify(events), count: events.length, maxEvents },
    runEventsRecord(REF, RUN.runId, events),
  );
}

const cancelRecord = () =>
  runFinishedRecord(REF, RUN.runId, { status: 'cancelled', reason: 'requested', message: null, messageSeqs: [] });
const cancelEnd = { status: 'cancelled', reason: 'requested', message: null } as const;

async function cancel(operation = op()) {
  const decision = await index.decideEnd(operation, cancelEnd, cancelRecord());
  if (decision.kind === 'produce') await ack(operation, decision.record);
  return decision;
}

describe('start', () => {
  it('creates the run with its run.started pending, produced by the next operation first if never acknowledged', async () => {
    const record = runStartedRecord(REF, RUN.runId, { actor: 'agent:a', parent_seq: null, metadata: {} }, new Date());
    const json = JSON.stringify(record);
    const starting = op();
    const run = { conversationId: 'c1', actor: 'agent:a', metadata: {}, parentSeq: null };
    expect(await index.start(starting, run, json, record.event_id)).toBe(true);
    expect(await index.start(op(), run, json, record.event_id)).toBe(false);
    await index.release(RUN, starting.token);
    expect(await decideBatch(op(), [text('a')])).toEqual({ kind: 'flush', record: json });
  });

  it('knows the run conversation only in the tenant it was started in', async () => {
    await startRun();
    expect(await index.conversationOf(RUN)).toBe('c1');
    expect(await index.conversationOf({ tenantId: 'other', runId: RUN.runId })).toBeNull();
  });
});

describe('events decisions', () => {
  beforeEach(() => startRun());

  it('gives each batch the run_seqs after the last, filled into its record', async () => {
    const first = await batch([text('a'), text('b')]);
    expect(first).toMatchObject({ kind: 'produce', lastRunSeq: 2 });
    const second = await batch([text('c')]);
    expect(second).toMatchObject({ kind: 'produce', lastRunSeq: 3 });
    expect(parse(recordOf(second))).toMatchObject({ data: { from_run_seq: 3 } });
  });

  it('answers a repeated producer_seq with the same events as deduped, with the same last_run_seq', async () => {
    await batch([text('a'), text('b')], 1);
    await batch([text('c')], 2);
    expect(await batch([text('c')], 2)).toEqual({ kind: 'deduped', lastRunSeq: 3 });
  });

  it('refuses a repeated producer_seq with other events as a replay conflict', async () => {
    await batch([text('a')], 1);
    expect(await batch([text('x')], 1)).toEqual({ kind: 'replay_conflict', producerSeq: 1 });
  });

  it('answers a lower producer_seq as deduped only if its events are the last batch', async () => {
    await batch([text('a')], 1);
    await batch([text('b')], 5);
    expect(await batch([text('b')], 4)).toEqual({ kind: 'deduped', lastRunSeq: 2 });
    expect(await batch([text('a')], 1)).toEqual({ kind: 'replay_conflict', producerSeq: 5 });
  });

  it('re-produces an unacknowledged batch as it was when the same producer_seq comes again', async () => {
    const failed = op();
    const first = await decideBatch(failed, [text('a')], 1);
    await index.release(RUN, failed.token);
    const retry = await decideBatch(op(), [text('a')], 1);
    expect(retry).toEqual(first);
  });

  it('makes any other operation produce the unacknowledged batch first, then decides it', async () => {
    const failed = op();
    const pending = await decideBatch(failed, [text('a')], 1);
    await index.release(RUN, failed.token);
    const next = op();
    const decision = await decideBatch(next, [text('b')], 2);
    expect(decision).toEqual({ kind: 'flush', record: recordOf(pending) });
    await ack(next, recordOf(pending));
    expect(await decideBatch(next, [text('b')], 2)).toMatchObject({ kind: 'produce', lastRunSeq: 2 });
  });

  it('answers busy while another operation holds the run, until it ends', async () => {
    const holder = op();
    await decideBatch(holder, [text('a')]);
    const busy = await decideBatch(op(), [text('b')]);
    expect(busy.kind).toBe('busy');
    expect(busy.kind === 'busy' && busy.retryAfterMs).toBeGreaterThan(0);
    expect(busy.kind === 'busy' && busy.retryAfterMs).toBeLessThanOrEqual(LEASE_MS);
  });

  it('lets an operation in after the lease of a dead one expired', async () => {
    await decideBatch(op({ leaseMs: 1 }), [text('a')]);
    await sleep(5);
    expect((await decideBatch(op(), [text('b')])).kind).toBe('flush');
  });

  it('accepts batches up to the run event limit and refuses one past it with the run_seq reached', async () => {
    const filling = op();
    const full = await decideBatch(filling, [text('a'), text('b')], undefined, 2);
    expect(full).toMatchObject({ kind: 'produce', lastRunSeq: 2 });
    await ack(filling, recordOf(full));
    expect(await decideBatch(op(), [text('c')], undefined, 2)).toEqual({ kind: 'too_large', lastRunSeq: 2 });
  });

  it('answers not_found for another tenant and forbidden for a token pinned to another conversation', async () => {
    expect(await decideBatch(op({ run: { tenantId: 'other', runId: RUN.runId } }), [text('a')])).toEqual({
      kind: 'not_found',
    });
    expect(await decideBatch(op({ pinnedConversation: 'c2' }), [text('a')])).toEqual({ kind: 'forbidden' });
    expect((await decideBatch(op({ pinnedConversation: 'c1' }), [text('a')])).kind).toBe('produce');
  });
});

describe('end decisions (fail, cancel, abandon)', () => {
  beforeEach(() => startRun());

  it('fixes the last run_seq after a pending batch, and refuses every batch after it', async () => {
    const failed = op();
    await decideBatch(failed, [text('a'), text('b')], 1);
    await index.release(RUN, failed.token);
    const cancelling = op();
    const first = await index.decideEnd(cancelling, cancelEnd, cancelRecord());
    expect(first.kind).toBe('flush');
    await ack(cancelling, recordOf(first));
    const decided = await cancel(cancelling);
    expect(decided).toMatchObject({ kind: 'produce', lastRunSeq: 2, reason: 'requested' });
    expect(parse(recordOf(decided))).toMatchObject({
      data: { status: 'cancelled', last_run_seq: 2 },
    });
    expect(await batch([text('c')], 2)).toEqual({ kind: 'cancelled' });
  });

  it('still answers a batch accepted before the cancel as deduped', async () => {
    await batch([text('a')], 1);
    await cancel();
    expect(await batch([text('a')], 1)).toEqual({ kind: 'deduped', lastRunSeq: 1 });
  });

  it('answers a repeated cancel as already done, and a fail or commit after it as cancelled', async () => {
    await batch([text('a')]);
    await cancel();
    expect(await cancel()).toEqual({ kind: 'already', lastRunSeq: 1, reason: 'requested' });
    const fail = await index.decideEnd(
      op(),
      { status: 'failed', reason: 'requested', message: 'x' },
      runFinishedRecord(REF, RUN.runId, { status: 'failed', reason: 'requested', message: 'x', messageSeqs: [] }),
    );
    expect(fail).toEqual({ kind: 'cancelled' });
    expect(await index.beginCommit(op())).toEqual({ kind: 'cancelled' });
  });

  it('abandons a run only once it was idle for the bound, and lists it as idle then', async () => {
    await batch([text('a')]);
    const end = { status: 'failed', reason: 'abandoned', message: null, idleMs: 60_000 } as const;
    const record = () =>
      runFinishedRecord(REF, RUN.runId, { status: 'failed', reason: 'abandoned', message: null, messageSeqs: [] });
    expect(await index.decideEnd(op(), end, record())).toEqual({ kind: 'active' });
    expect(await index.idleRuns(60_000, 10)).toEqual([]);
    await sleep(20);
    expect(await index.idleRuns(10, 10)).toEqual([RUN]);
    const reaper = op();
    const decided = await index.decideEnd(reaper, { ...end, idleMs: 10 }, record());
    expect(decided).toMatchObject({ kind: 'produce', lastRunSeq: 1, reason: 'abandoned' });
    await ack(reaper, recordOf(decided));
    expect(await index.idleRuns(0, 10)).toEqual([]);
    expect(await redis.pTTL(`${prefix}:run:acme/run_1`)).toBeGreaterThan(0);
  });
});

describe('commit decisions', () => {
  beforeEach(() => startRun());

  const committed = (seqs: number[]) =>
    runFinishedRecord(REF, RUN.runId, { status: 'committed', reason: null, message: null, messageSeqs: seqs });

  it('stops the run taking events, then commits it with its message seqs, answered again to a repeat', async () => {
    await batch([text('a'), text('b')]);
    const committing = op();
    expect(await index.beginCommit(committing)).toEqual({
      kind: 'commit',
      lastRunSeq: 2,
      conversationId: 'c1',
      actor: 'agent:a',
      metadata: { m: 1 },
    });
    await index.release(RUN, committing.token);
    expect(await batch([text('c')])).toEqual({ kind: 'committing' });
    expect(await cancel()).toEqual({ kind: 'committing' });
    const resumed = op();
    expect((await index.beginCommit(resumed)).kind).toBe('commit');
    const record = await index.finishCommit(
      resumed,
      { status: 'committed', messageSeqs: [7], reason: null, message: null },
      committed([7]),
    );
    expect(record && parse(record)).toMatchObject({
      data: { status: 'committed', last_run_seq: 2, message_seqs: [7] },
    });
    await ack(resumed, record ?? '');
    expect(await index.beginCommit(op())).toEqual({ kind: 'committed', lastRunSeq: 2, messageSeqs: [7] });
    expect(await batch([text('c')])).toEqual({ kind: 'finished', status: 'committed' });
  });

  it('does not let a commit whose lease was taken over finish', async () => {
    const stale = op({ leaseMs: 1 });
    await index.beginCommit(stale);
    await sleep(5);
    const current = op();
    expect((await index.beginCommit(current)).kind).toBe('commit');
    expect(
      await index.finishCommit(
        stale,
        { status: 'committed', messageSeqs: [1], reason: null, message: null },
        committed([1]),
      ),
    ).toBeNull();
  });
});
