import fc from 'fast-check';
import { ChunkSeenSeqs, SeenSeqs } from './seen-seqs';

describe('SeenSeqs', () => {
  it('advances over consecutive seqs and keeps the ones above a missing seq ahead', () => {
    const seen = new SeenSeqs(0);
    expect([1, 2, 4, 5].map((seq) => seen.see(seq))).toEqual([true, true, true, true]);
    expect([seen.contiguous, seen.ahead]).toEqual([2, [4, 5]]);
    expect(seen.see(3)).toBe(true);
    expect([seen.contiguous, seen.ahead]).toEqual([5, []]);
  });

  it('sees a seq only once, below or above the contiguous part', () => {
    const seen = new SeenSeqs(3, [5]);
    expect([seen.see(2), seen.see(5), seen.see(4), seen.see(4)]).toEqual([false, false, true, false]);
    expect(seen.contiguous).toBe(5);
  });

  it('takes a conversation first met at a seq as seen below it', () => {
    const seen = SeenSeqs.from(7);
    expect([seen.see(6), seen.see(7), seen.contiguous]).toEqual([false, true, 7]);
  });

  it('ends at the same state whatever the order the seqs arrive in, each seen exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 60 }), (arrivals) => {
        const seen = new SeenSeqs(0);
        const firsts = arrivals.filter((seq) => seen.see(seq));
        const distinct = [...new Set(arrivals)];
        const contiguous = distinct.includes(1)
          ? Math.max(...distinct.filter((s) => distinct.filter((t) => t <= s).length === s))
          : 0;
        expect(firsts).toEqual(distinct);
        expect(seen.contiguous).toBe(contiguous);
        expect(seen.ahead).toEqual(distinct.filter((s) => s > contiguous).sort((a, b) => a - b));
      }),
    );
  });
});

describe('ChunkSeenSeqs', () => {
  const c1 = { tenantId: 't1', conversationId: 'c1' };

  it("removes a deleted conversation's seen seqs once every seq through its last was seen, and sees none of them again", () => {
    const chunk = new ChunkSeenSeqs(new Map([[ChunkSeenSeqs.key(c1), new SeenSeqs(2)]]));
    chunk.see(c1, 3);
    chunk.deleted(c1, 3);
    expect([chunk.removals, chunk.changes]).toEqual([[c1], []]);
    expect(chunk.see(c1, 3).first).toBe(false);
  });

  it('keeps the seen seqs of a deleted conversation while a seq below its last is missing', () => {
    const chunk = new ChunkSeenSeqs(new Map([[ChunkSeenSeqs.key(c1), new SeenSeqs(1, [3])]]));
    chunk.deleted(c1, 3);
    expect(chunk.removals).toEqual([]);
  });
});
