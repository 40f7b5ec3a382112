import fc from 'fast-check';
import { ConversationEvent } from '@threadline/contracts';
import { appendedEvent, tombstonedEvent } from '../../../../test/support/event-builder';
import { MessageRow, planChunk, ProjectionRecord } from './batch-plan';

const CONVERSATIONS = ['conv_a', 'conv_b', 'conv_c'];

/** A seq event of one of a few conversations and seqs, so that (conversation, seq) repeats often. */
const seqEvent = fc
  .record({
    conversationId: fc.constantFrom(...CONVERSATIONS),
    seq: fc.integer({ min: 1, max: 6 }),
    tombstone: fc.boolean(),
  })
  .map(({ conversationId, seq, tombstone }): ConversationEvent =>
    tombstone ? tombstonedEvent(conversationId, seq) : appendedEvent(conversationId, seq, 'x', null),
  );

/** Records at consecutive offsets from 0, and the sizes of the chunks they are planned in. */
const splitRecords = fc.array(seqEvent, { maxLength: 60 }).chain((events) =>
  fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 60 }).map((sizes) => ({
    records: events.map((event, offset): ProjectionRecord => ({ offset, record: { kind: 'event', event } })),
    sizes,
  })),
);

function chunksOf<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const chunks: T[][] = [];
  for (let start = 0, i = 0; start < items.length; start += sizes[i % sizes.length], i++) {
    chunks.push(items.slice(start, start + sizes[i % sizes.length]));
  }
  return chunks;
}

const keyOf = (conversationId: string, seq: number) => `${conversationId}:${seq}`;

describe('planChunk (properties)', () => {
  it('keeps exactly the first event per (conversation, seq) in offset order, however the records are chunked', () => {
    fc.assert(
      fc.property(splitRecords, ({ records, sizes }) => {
        const expected = new Map<string, number>();
        for (const { offset, record } of records) {
          if (record.kind === 'event' && 'seq' in record.event) {
            const key = keyOf(record.event.conversation_id, record.event.seq);
            if (!expected.has(key)) expected.set(key, offset);
          }
        }
        const stored = new Map<string, MessageRow>();
        for (const chunk of chunksOf(records, sizes)) {
          const plan = planChunk(chunk, { nextOffset: chunk[0].offset, indexFence: 0 });
          const keys = plan.messages.map((m) => keyOf(m.conversationId, m.seq));
          expect(new Set(keys).size).toBe(keys.length);
          for (const message of plan.messages) {
            const key = keyOf(message.conversationId, message.seq);
            if (!stored.has(key)) stored.set(key, message);
          }
        }
        expect(new Map([...stored].map(([key, message]) => [key, message.offset]))).toEqual(expected);
      }),
      { numRuns: 200, seed: 20261130 },
    );
  });
});
