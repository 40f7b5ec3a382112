import fc from 'fast-check';
import { OrderedStream } from './ordered-stream';

interface Entry {
  kind: 'message';
  seq: number;
  copy: number;
}

/** Seqs 1..n, each offered one or more times, in any order. */
const offers = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc
    .array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n })
    .chain((copies) =>
      fc.shuffledSubarray(
        copies.flatMap((count, i) => Array.from({ length: count }, (_, copy) => ({ seq: i + 1, copy }))),
        { minLength: copies.reduce((a, b) => a + b, 0) },
      ),
    )
    .map((shuffled) => ({ n, shuffled })),
);

describe('OrderedStream (properties)', () => {
  it('releases any permutation of seqs 1..n (with duplicates) as 1..n in order, each seq once, the first copy offered', () => {
    fc.assert(
      fc.property(offers, ({ n, shuffled }) => {
        const stream = new OrderedStream<Entry>({ nextSeq: 1, maxBuffered: n });
        const released: Entry[] = [];
        const firstOffered = new Map<number, number>();
        for (const { seq, copy } of shuffled) {
          if (!firstOffered.has(seq)) firstOffered.set(seq, copy);
          released.push(...stream.offer({ kind: 'message', seq, copy }, 0));
        }
        expect(released.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        for (const entry of released) expect(entry.copy).toBe(firstOffered.get(entry.seq));
        expect(stream.bufferedCount).toBe(0);
        expect(stream.waitingSince).toBeNull();
      }),
      { numRuns: 100, seed: 20261130 },
    );
  });

  it('never releases a seq twice nor out of order, whatever is dropped from a small buffer or skipped as a gap', () => {
    fc.assert(
      fc.property(offers, fc.integer({ min: 1, max: 8 }), fc.array(fc.boolean()), ({ shuffled }, max, skips) => {
        const stream = new OrderedStream<Entry>({ nextSeq: 1, maxBuffered: max });
        const released: number[] = [];
        shuffled.forEach(({ seq, copy }, i) => {
          for (const e of stream.offer({ kind: 'message', seq, copy }, i)) released.push(e.seq);
          if (skips[i]) {
            for (const e of stream.skipGap(i)) if (e.kind !== 'gap') released.push(e.seq);
          }
        });
        expect(released).toEqual([...released].sort((a, b) => a - b));
        expect(new Set(released).size).toBe(released.length);
        expect(stream.bufferedCount).toBeLessThanOrEqual(max);
      }),
      { numRuns: 100, seed: 20261130 },
    );
  });
});
