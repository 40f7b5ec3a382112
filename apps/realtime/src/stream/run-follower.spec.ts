import { setTimeout as sleep } from 'node:timers/promises';
import type { ConversationRef, RunEvent } from '@threadline/contracts';
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

/** A follower over fake stores: `stored` is what Postgres has of each run, `live` publishes as the runs hub would. */
function follower(options: { streaming?: string[]; stored?: Record<string, number>; ends?: Record<string, RunEnd> }) {
  const out: SubscriberOutput[] = [];
  let listener: ((item: RunLiveItem) => void) | null = null;
  const stored = { ...options.stored };
  const deps: RunFollowerDependencies = {
    subscribe: (_ref, l) => {
      listener = l;
      return () => (listener = null);
    },
    streamingRuns: async () => options.streaming ?? [],
    runEnd: async (_ref, runId) => options.ends?.[runId] ?? null,
    events: async (_ref, runId, after, limit) =>
      range(after + 1, Math.min(stored[runId] ?? 0, after + limit)).map(delta),
    settings: { catchUpPage: 2, reorderBufferMax: 100 },
  };
  const cursors = new Map(Object.entries(options.ends ?? {}).map(([runId]) => [runId, 2]));
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
    const t = follower({ stored: { run_b: 4 }, ends: { run_b: end } });
    await t.runs.start();
    await settled();
    expect(t.seen()).toEqual(['run_b:3', 'run_b:4', 'run_b:cancelled']);
    t.runs.close();
  });
});
