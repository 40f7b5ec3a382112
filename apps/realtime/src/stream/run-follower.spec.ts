import { setTimeout as sleep } from 'node:timers/promises';
import type { ConversationRef, RunEvent } from '@threadline/contracts';
import type { LiveRun } from '../runs/runs-hub';
import { RunFollower, RunFollowerDependencies } from './run-follower';
import { RunEnd, RunLiveItem, SubscriberOutput } from './run-output';
import { MessageEntry } from './stream-entry';

const conversation: ConversationRef = { tenantId: 't1', conversationId: 'c1' };
const delta = (runSeq: number): RunEvent => ({ kind: 'text-delta', delta: `d${runSeq}`, run_seq: runSeq });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const committedMessage = (seq: number, runId: string, lastRunSeq: number): MessageEntry => ({
  kind: 'message',
  seq,
  version: seq,
  message: {
    role: 'assistant',
    parts: [],
    metadata: { run: { id: runId, last_run_seq: lastRunSeq } },
    token_count: null,
  },
  insertedAt: '2026-11-30T00:00:00.000Z',
  author: { actor: null, producerId: null, producerSeq: null },
});

/**
 * A follower over fake stores: `stored` is what Postgres has of each run, `live` publishes as the runs hub would,
 * `seenLive` is what the hub had published before the follower started.
 */
function follower(options: {
  streaming?: string[];
  stored?: Record<string, number>;
  ends?: Record<string, RunEnd>;
  seenLive?: Record<string, LiveRun>;
  cursors?: Record<string, number>;
}) {
  const out: SubscriberOutput[] = [];
  let listener: ((item: RunLiveItem) => void) | null = null;
  const stored = { ...options.stored };
  const deps: RunFollowerDependencies = {
    subscribe: (_ref, l) => {
      listener = l;
      return () => (listener = null);
    },
    liveRuns: () => new Map(Object.entries(options.seenLive ?? {})),
    streamingRuns: async () => options.streaming ?? [],
    runEnd: async (_ref, runId) => options.ends?.[runId] ?? null,
    events: async (_ref, runId, after, limit) =>
      range(after + 1, Math.min(stored[runId] ?? 0, after + limit)).map(delta),
    settings: { catchUpPage: 2, reorderBufferMax: 100 },
  };
  const cursors = new Map(Object.entries(options.cursors ?? {}));
  const sink = { deliver: (o: SubscriberOutput) => out.push(o), whenWritable: async () => undefined, fail: jest.fn() };
  const runs = new RunFollower(conversation, cursors, sink, deps, jest.fn());
  const live = (item: RunLiveItem) => listener?.(item);
  const seen = () =>
    out.map((o) =>
      o.kind === 'run_event'
        ? `${o.runId}:${o.seq}`
        : o.kind === 'run_status'
          ? `${o.runId}:${o.status}`
          : `msg:${'seq' in o ? o.seq : ''}`,
    );
  return { runs, live, seen, stored };
}

const settled = () => sleep(5);

describe('RunFollower', () => {
  it('joins a streaming run mid-way: its events from run_seq 1 out of Postgres, then the live ones, none twice', async () => {
    const t = follower({ streaming: ['run_a'], stored: { run_a: 5 } });
    const started = t.runs.start();
    t.live({ kind: 'events', runId: 'run_a', events: range(4, 7).map(delta) });
    await started;
    await settled();
    expect(t.seen()).toEqual(range(1, 7).map((s) => `run_a:${s}`));
    t.runs.close();
  });

  it("delivers a committed message after its run's events through last_run_seq and the run's status", async () => {
    const t = follower({ streaming: ['run_a'], stored: { run_a: 1 } });
    await t.runs.start();
    await settled();
    t.runs.pass(committedMessage(9, 'run_a', 3));
    t.runs.pass({ kind: 'tombstone', seq: 10, reason: 'x', insertedAt: 'x' });
    expect(t.seen()).toEqual(['run_a:1']);
    t.stored.run_a = 3;
    await sleep(150);
    expect(t.seen()).toEqual(['run_a:1', 'run_a:2', 'run_a:3', 'run_a:committed', 'msg:9', 'msg:10']);
    t.live({
      kind: 'end',
      runId: 'run_a',
      end: { status: 'committed', reason: null, lastRunSeq: 3, messageSeqs: [9] },
    });
    expect(t.seen()).toHaveLength(6);
    t.runs.close();
  });

  it('delivers at once a committed message of a run it does not follow (committed before the client joined)', async () => {
    const t = follower({});
    await t.runs.start();
    t.runs.pass(committedMessage(4, 'run_old', 50));
    expect(t.seen()).toEqual(['msg:4']);
    t.runs.close();
  });

  it('resumes a run the client has a cursor for that ended meanwhile: the events after the cursor, then its status', async () => {
    const end: RunEnd = { status: 'cancelled', reason: 'requested', lastRunSeq: 4, messageSeqs: [] };
    const t = follower({ stored: { run_b: 4 }, ends: { run_b: end }, cursors: { run_b: 2 } });
    await t.runs.start();
    await settled();
    expect(t.seen()).toEqual(['run_b:3', 'run_b:4', 'run_b:cancelled']);
    t.runs.close();
  });

  it('waits for an event that went out live before it joined and is not in Postgres yet, with no later live event', async () => {
    const t = follower({
      streaming: ['run_a'],
      stored: { run_a: 0 },
      seenLive: { run_a: { lastRunSeq: 1, end: null } },
    });
    await t.runs.start();
    await settled();
    expect(t.seen()).toEqual([]);
    t.stored.run_a = 1;
    await eventuallySeen(t.seen, ['run_a:1']);
    t.runs.close();
  });

  it('follows a run whose start went out live but is not in Postgres yet', async () => {
    const t = follower({ stored: { run_n: 0 }, seenLive: { run_n: { lastRunSeq: 2, end: null } } });
    await t.runs.start();
    t.stored.run_n = 2;
    await eventuallySeen(t.seen, ['run_n:1', 'run_n:2']);
    t.runs.close();
  });

  it('resumes a run the client has a cursor for whose end went out live before Postgres had it: events, then status', async () => {
    const end: RunEnd = { status: 'failed', reason: 'stream_error', lastRunSeq: 4, messageSeqs: [] };
    const t = follower({
      streaming: ['run_a'],
      stored: { run_a: 2 },
      seenLive: { run_a: { lastRunSeq: 4, end } },
      cursors: { run_a: 1 },
    });
    await t.runs.start();
    t.stored.run_a = 4;
    await eventuallySeen(t.seen, ['run_a:2', 'run_a:3', 'run_a:4', 'run_a:failed']);
    t.runs.close();
  });

  it('does not follow a run whose end went out live before it joined, though Postgres still has it streaming', async () => {
    const end: RunEnd = { status: 'cancelled', reason: 'requested', lastRunSeq: 2, messageSeqs: [] };
    const t = follower({
      streaming: ['run_old'],
      stored: { run_old: 2 },
      seenLive: { run_old: { lastRunSeq: 2, end } },
    });
    await t.runs.start();
    await settled();
    expect(t.seen()).toEqual([]);
    t.runs.close();
  });
});

/** Waits (the follower reads Postgres again every 100 ms) until the outputs are `expected`; fails with what they are. */
async function eventuallySeen(seen: () => string[], expected: string[]): Promise<void> {
  for (let waited = 0; waited < 2000 && JSON.stringify(seen()) !== JSON.stringify(expected); waited += 10) {
    await sleep(10);
  }
  expect(seen()).toEqual(expected);
}
