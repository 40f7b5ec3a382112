import { ConversationEvent, DEFAULT_TENANT } from '@threadline/contracts';
import { appendedEvent, deletedEvent } from '../../../../test/support/event-builder';
import { ConversationHub } from '../live/conversation-hub';
import { ConversationState, SeqRange } from './projection-reader';
import { ConversationStream, StreamSettings } from './conversation-stream';
import { MessageEntry, StreamOutput, TombstoneEntry } from './stream-entry';

const ID = 'conv-1';
const settings: StreamSettings = { reorderTimeoutMs: 1000, reorderBufferMax: 100, catchUpPage: 10 };

const appended = (seq: number): ConversationEvent => appendedEvent(ID, seq, `m${seq}`, null);

const deleted = (lastSeq: number): ConversationEvent => deletedEvent(ID, lastSeq);

function row(seq: number): MessageEntry {
  return {
    kind: 'message',
    seq,
    version: seq,
    message: { role: 'user', parts: [], metadata: {}, token_count: null },
    insertedAt: 'x',
    author: { actor: null, producerId: null, producerSeq: null },
  };
}

/** A fake projection: rows by seq, and hooks to run while a read is in flight. */
class FakeProjection {
  rows = new Map<number, MessageEntry | TombstoneEntry>();
  state: ConversationState | null = null;
  reads: SeqRange[] = [];
  duringRead: Array<() => void> = [];
  failing = false;

  add(...seqs: number[]): void {
    for (const seq of seqs) {
      this.rows.set(seq, row(seq));
    }
  }

  async entries(_id: string, range: SeqRange): Promise<Array<MessageEntry | TombstoneEntry>> {
    this.reads.push(range);
    if (this.failing) {
      throw new Error('postgres down');
    }
    const found = [...this.rows.values()]
      .filter((e) => e.seq >= range.from && (range.before === undefined || e.seq < range.before))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, range.limit);
    await Promise.resolve();
    this.duringRead.shift()?.();
    return found;
  }
}

function setup(cursor: number | null, whenWritable: () => Promise<void> = () => Promise.resolve()) {
  const hub = new ConversationHub();
  const projection = new FakeProjection();
  const out: StreamOutput[] = [];
  const failures: Error[] = [];
  let gaps = 0;
  const stream = new ConversationStream(
    { tenantId: DEFAULT_TENANT, conversationId: ID },
    cursor,
    { deliver: (o) => out.push(o), fail: (e) => failures.push(e), whenWritable },
    {
      subscribe: (conversation, listener) => hub.subscribe(conversation.conversationId, listener),
      readEntries: (conversation, range) => projection.entries(conversation.conversationId, range),
      readState: async () => projection.state,
      liveHead: (conversation) => hub.liveHead(conversation.conversationId) ?? null,
      countGap: () => (gaps += 1),
      settings,
    },
  );
  const seqs = () =>
    out.map((o) => (o.kind === 'gap' ? `gap:${o.expected}-${o.actual}` : o.kind === 'deleted' ? 'end' : o.seq));
  return { hub, projection, out, failures, stream, seqs, gaps: () => gaps };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ConversationStream', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('hands off from Postgres catch-up to live events with no gap or duplicate', async () => {
    const t = setup(10);
    t.projection.add(...range(1, 50));
    // Live events 45..60 arrive while the first catch-up page is being read.
    t.projection.duringRead.push(() => range(45, 60).forEach((seq) => t.hub.publish(appended(seq))));
    await t.stream.start();
    t.hub.publish(appended(61));
    expect(t.seqs()).toEqual(range(11, 61));
    // Pages stop below what the live buffer already holds.
    expect(t.projection.reads[1]).toEqual({ from: 21, before: 45, limit: 10 });
  });

  it('keeps reading Postgres while the projection lags behind the live events', async () => {
    const t = setup(0);
    t.projection.add(1, 2);
    t.projection.duringRead.push(() => t.hub.publish(appended(5)));
    const started = t.stream.start();
    await jest.advanceTimersByTimeAsync(300);
    t.projection.add(3, 4);
    await jest.advanceTimersByTimeAsync(200);
    await started;
    expect(t.seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(t.gaps()).toBe(0);
  });

  it('waits for a seq published live before it subscribed until the projection has it, with nothing newer coming', async () => {
    const t = setup(0);
    t.projection.add(1);
    t.hub.publish(appended(1));
    t.hub.publish(appended(2));
    const started = t.stream.start();
    await jest.advanceTimersByTimeAsync(300);
    expect(t.seqs()).toEqual([1]);
    t.projection.add(2);
    await jest.advanceTimersByTimeAsync(100);
    await started;
    expect(t.seqs()).toEqual([1, 2]);
    expect(t.gaps()).toBe(0);
  });

  it('reports a seq published live before it subscribed as a gap when the projection never has it in time', async () => {
    const t = setup(0);
    t.projection.add(1);
    t.hub.publish(appended(3));
    const started = t.stream.start();
    await jest.advanceTimersByTimeAsync(1000);
    await started;
    t.hub.publish(appended(4));
    expect(t.seqs()).toEqual([1, 'gap:2-4', 4]);
    expect(t.gaps()).toBe(1);
  });

  it('does not wait for seqs published live at or below its cursor', async () => {
    const t = setup(5);
    t.hub.publish(appended(5));
    await t.stream.start();
    t.hub.publish(appended(6));
    expect(t.seqs()).toEqual([6]);
  });

  it('delivers out-of-order live events in order', async () => {
    const t = setup(0);
    await t.stream.start();
    for (const seq of [2, 3, 1, 5, 4]) {
      t.hub.publish(appended(seq));
    }
    expect(t.seqs()).toEqual([1, 2, 3, 4, 5]);
  });

  it('asks Postgres for a missing seq after the reorder timeout, then reports a gap', async () => {
    const t = setup(0);
    await t.stream.start();
    t.hub.publish(appended(1));
    t.hub.publish(appended(3));
    t.hub.publish(appended(4));
    await jest.advanceTimersByTimeAsync(999);
    expect(t.seqs()).toEqual([1]);
    await jest.advanceTimersByTimeAsync(1);
    expect(t.seqs()).toEqual([1, 'gap:2-3', 3, 4]);
    expect(t.projection.reads).toContainEqual({ from: 2, before: 3, limit: 10 });
    expect(t.gaps()).toBe(1);
  });

  it('takes a missing seq from Postgres when the projection has it', async () => {
    const t = setup(0);
    await t.stream.start();
    t.hub.publish(appended(2));
    t.projection.add(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(t.seqs()).toEqual([1, 2]);
  });

  it('starts after the projected head when no cursor is given', async () => {
    const t = setup(null);
    t.projection.state = { lastSeq: 7, tombstoned: false };
    t.projection.add(...range(1, 7));
    await t.stream.start();
    t.hub.publish(appended(8));
    expect(t.seqs()).toEqual([8]);
  });

  it('ends a deleted conversation after its last seq', async () => {
    const t = setup(0);
    await t.stream.start();
    t.hub.publish(appended(1));
    t.hub.publish(deleted(2));
    expect(t.seqs()).toEqual([1]);
    t.hub.publish(appended(2));
    expect(t.seqs()).toEqual([1, 2, 'end']);
    expect(t.stream.isClosed).toBe(true);
    t.hub.publish(appended(3));
    expect(t.out).toHaveLength(3);
  });

  it('catches up and ends when joining an already deleted conversation', async () => {
    const t = setup(1);
    t.projection.state = { lastSeq: 3, tombstoned: true };
    t.projection.add(1, 2, 3);
    await t.stream.start();
    expect(t.seqs()).toEqual([2, 3, 'end']);
    expect(t.out.at(-1)).toEqual({ kind: 'deleted', seq: 4, lastSeq: 3 });
  });

  it('ends after the last seq when the deletion was published live but is not projected yet', async () => {
    const t = setup(0);
    t.projection.add(1, 2);
    t.projection.state = { lastSeq: 2, tombstoned: false };
    t.hub.publish(appended(2));
    t.hub.publish(deleted(2));
    await t.stream.start();
    expect(t.seqs()).toEqual([1, 2, 'end']);
    expect(t.stream.isClosed).toBe(true);
  });

  it('ends at once when the cursor is already past the deleted conversation', async () => {
    const t = setup(9);
    t.projection.state = { lastSeq: 3, tombstoned: true };
    await t.stream.start();
    expect(t.seqs()).toEqual(['end']);
  });

  it('paces catch-up by the client: the next entry waits until the sink is writable', async () => {
    let release: () => void = () => undefined;
    const t = setup(0, () => new Promise<void>((resolve) => (release = resolve)));
    t.projection.add(1, 2, 3);
    const started = t.stream.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(t.seqs()).toEqual([1]);
    release();
    await jest.advanceTimersByTimeAsync(0);
    expect(t.seqs()).toEqual([1, 2]);
    release();
    await jest.advanceTimersByTimeAsync(0);
    release();
    await started;
    expect(t.seqs()).toEqual([1, 2, 3]);
  });

  it('a stream closed before it started never follows the conversation (its client went away while joining)', async () => {
    const t = setup(0);
    t.projection.add(1);
    t.stream.close();
    await t.stream.start();
    expect(t.hub.conversationCount).toBe(0);
    t.hub.publish(appended(2));
    expect(t.out).toEqual([]);
    expect(t.projection.reads).toEqual([]);
  });

  it('fails the sink when Postgres cannot be read', async () => {
    const t = setup(0);
    t.projection.failing = true;
    await t.stream.start();
    expect(t.failures).toHaveLength(1);
    expect(t.stream.isClosed).toBe(true);
  });
});
