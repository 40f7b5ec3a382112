import { OrderedStream } from './ordered-stream';

interface Item {
  kind: 'item';
  seq: number;
  tag?: string;
}

const item = (seq: number, tag?: string): Item => ({ kind: 'item', seq, tag });
const seqs = (out: Array<{ seq?: number; kind: string }>) => out.map((o) => (o.kind === 'gap' ? 'gap' : o.seq));

function stream(nextSeq = 1, maxBuffered = 100): OrderedStream<Item> {
  return new OrderedStream<Item>({ nextSeq, maxBuffered });
}

describe('OrderedStream', () => {
  it('releases entries that arrive in order at once', () => {
    const s = stream();
    expect(seqs(s.offer(item(1), 0))).toEqual([1]);
    expect(seqs(s.offer(item(2), 0))).toEqual([2]);
    expect(s.nextSeq).toBe(3);
    expect(s.waitingSince).toBeNull();
  });

  it('skips to a seq known to exist: a gap from the next seq, then what is buffered from there, older held ones dropped', () => {
    const s = stream();
    s.offer(item(2), 0);
    s.offer(item(5), 0);
    const out = s.skipTo(4, 1);
    expect(out[0]).toEqual({ kind: 'gap', expected: 1, actual: 4 });
    expect(out).toHaveLength(1);
    expect(seqs(s.offer(item(4), 2))).toEqual([4, 5]);
    expect(s.skipTo(3, 3)).toEqual([]);
  });

  it('starts after the cursor and drops everything at or below it', () => {
    const s = stream(11);
    expect(s.offer(item(10), 0)).toEqual([]);
    expect(s.offer(item(3), 0)).toEqual([]);
    expect(seqs(s.offer(item(11), 0))).toEqual([11]);
  });

  it('holds entries ahead of a missing seq and releases them in order once it arrives', () => {
    const s = stream();
    expect(s.offer(item(3), 5)).toEqual([]);
    expect(s.offer(item(2), 6)).toEqual([]);
    expect(s.waitingSince).toBe(5);
    expect(s.lowestBuffered).toBe(2);
    expect(seqs(s.offer(item(1), 7))).toEqual([1, 2, 3]);
    expect(s.bufferedCount).toBe(0);
    expect(s.waitingSince).toBeNull();
  });

  it('keeps the first entry for a seq and drops duplicates, buffered or released', () => {
    const s = stream();
    s.offer(item(2, 'first'), 0);
    s.offer(item(2, 'second'), 0);
    const out = s.offer(item(1), 0);
    expect(out).toEqual([item(1), item(2, 'first')]);
    expect(s.offer(item(2, 'third'), 0)).toEqual([]);
    expect(s.offer(item(1), 0)).toEqual([]);
  });

  it('restarts the wait clock whenever the next seq advances with entries still waiting', () => {
    const s = stream();
    s.offer(item(2), 0);
    s.offer(item(4), 0);
    expect(s.waitingSince).toBe(0);
    expect(seqs(s.offer(item(1), 50))).toEqual([1, 2]);
    expect(s.nextSeq).toBe(3);
    expect(s.waitingSince).toBe(50);
  });

  it('skipGap reports expected and actual and continues from the lowest buffered seq', () => {
    const s = stream(5);
    s.offer(item(8), 0);
    s.offer(item(9), 0);
    s.offer(item(11), 0);
    const out = s.skipGap(100);
    expect(out[0]).toEqual({ kind: 'gap', expected: 5, actual: 8 });
    expect(seqs(out.slice(1))).toEqual([8, 9]);
    expect(s.nextSeq).toBe(10);
    expect(s.waitingSince).toBe(100);
    expect(s.skipGap(200)).toEqual([{ kind: 'gap', expected: 10, actual: 11 }, item(11)]);
    expect(s.skipGap(300)).toEqual([]);
    expect(s.waitingSince).toBeNull();
  });

  it('bounds the buffer by dropping the highest seqs', () => {
    const s = stream(1, 3);
    for (const seq of [5, 2, 6, 3, 4]) {
      s.offer(item(seq), 0);
    }
    expect(s.bufferedCount).toBe(3);
    expect(seqs(s.offer(item(1), 0))).toEqual([1, 2, 3, 4]);
    expect(s.nextSeq).toBe(5);
    expect(s.offer(item(5), 0).length).toBe(1);
  });

  it('releases a large in-order backlog in one drain', () => {
    const s = stream(1, 20_000);
    for (let seq = 10_000; seq >= 2; seq -= 1) {
      s.offer(item(seq), 0);
    }
    const out = s.offer(item(1), 1);
    expect(out).toHaveLength(10_000);
    expect(out.every((o, i) => o.seq === i + 1)).toBe(true);
  });
});
