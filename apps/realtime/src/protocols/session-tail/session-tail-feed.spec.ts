import type { SessionEventView } from '@threadline/contracts';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { SubscriberOutput } from '../../stream/run-output';
import { MessageEntry } from '../../stream/stream-entry';
import { StreamSink } from '../../stream/stream-sink';
import { SubscriberStream } from '../../stream/subscriber-stream';
import { openSessionTail, TailOutlet } from './session-tail-feed';

const message = (seq: number): MessageEntry => ({
  kind: 'message',
  seq,
  version: seq,
  message: { role: 'user', parts: [{ type: 'text', text: `m${seq}` }], metadata: {}, token_count: null },
  insertedAt: 'x',
  author: { actor: 'user:ada', producerId: null, producerSeq: null },
});

/** A tail over a fake stream factory: `deliver` plays the stream's outputs; `log` is what the outlet saw. */
function tail(batchSize: number, accepts = true) {
  let sink: StreamSink | null = null;
  let closed = false;
  const factory = {
    create: (_conversation: unknown, _cursor: number, s: StreamSink) => {
      sink = s;
      return { start: () => Promise.resolve(), close: () => (closed = true) } as unknown as SubscriberStream;
    },
  } as unknown as ConversationStreamFactory;
  const log: unknown[] = [];
  const scheduled: Array<() => void> = [];
  const outlet: TailOutlet = {
    events: (events: SessionEventView[]) => {
      log.push(events.map((e) => e.seq));
      return accepts;
    },
    gap: (frame) => log.push(frame),
    ended: () => log.push('ended'),
    failed: (error) => log.push(`failed: ${error.message}`),
    whenWritable: () => Promise.resolve(),
  };
  const opened = openSessionTail(
    factory,
    { tenantId: 't', conversationId: 's' },
    { sessionId: 's', cursor: 0, batchSize },
    outlet,
    'ws',
    (flush) => scheduled.push(flush),
  );
  const deliver = (...outputs: SubscriberOutput[]) => outputs.forEach((output) => sink?.deliver(output));
  const endTurn = () => scheduled.splice(0).forEach((flush) => flush());
  return { opened, deliver, endTurn, log, isClosed: () => closed, fail: (e: Error) => sink?.fail(e) };
}

describe('openSessionTail', () => {
  it('sends the events before a gap, then the gap, and skips tombstones', () => {
    const t = tail(5);
    t.deliver(message(1), { kind: 'tombstone', seq: 2, reason: 'abandoned', insertedAt: 'x' }, message(3));
    t.deliver({ kind: 'gap', expected: 4, actual: 6 }, message(6));
    t.endTurn();
    expect(t.log).toEqual([[1, 3], { type: 'gap', reason: 'seqs_missing', from_cursor: 3, next_cursor: 5 }, [6]]);
  });

  it('sends what it has before the end or a failure', () => {
    const ended = tail(5);
    ended.deliver(message(1), { kind: 'deleted', seq: 2, lastSeq: 1 });
    expect(ended.log).toEqual([[1], 'ended']);
    const failed = tail(5);
    failed.deliver(message(1));
    failed.fail(new Error('postgres down'));
    expect(failed.log).toEqual([[1], 'failed: postgres down']);
  });

  it('stops the stream when the client cannot take a batch, and drops what is pending on close', () => {
    const refused = tail(1, false);
    refused.deliver(message(1));
    expect(refused.isClosed()).toBe(true);
    const closing = tail(5);
    closing.deliver(message(1));
    closing.opened.close();
    closing.endTurn();
    expect(closing.log).toEqual([]);
    expect(closing.isClosed()).toBe(true);
  });
});
