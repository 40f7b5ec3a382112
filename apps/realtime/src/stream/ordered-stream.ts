import { GapNotice } from './stream-entry';

export interface Sequenced {
  kind: string;
  seq: number;
}

export interface OrderedStreamOptions {
  /** The first seq to release (cursor + 1). */
  nextSeq: number;
  /** Most entries held ahead of a missing seq; beyond it the highest are dropped. */
  maxBuffered: number;
}

/**
 * Releases a conversation's entries strictly in seq order, each seq once.
 *
 * - The first entry offered for a seq wins; later ones, and anything below the
 *   next seq, are dropped (the rule every consumer of the topic applies).
 * - Entries ahead of the next seq wait in a bounded buffer. When it is full the
 *   highest seq is dropped: it is further from release than anything kept, and
 *   the stream can read it from Postgres once it becomes the next seq.
 * - `waitingSince` says since when the next seq has been missing while others
 *   wait behind it; the owner decides when to give up and call `skipGap`.
 *
 * Pure: no timers, no I/O; time is passed in.
 */
export class OrderedStream<T extends Sequenced> {
  private next: number;
  private readonly maxBuffered: number;
  /** Ascending by seq, unique seqs, all above `next`. */
  private readonly buffer: T[] = [];
  private since: number | null = null;

  constructor(options: OrderedStreamOptions) {
    this.next = options.nextSeq;
    this.maxBuffered = options.maxBuffered;
  }

  get nextSeq(): number {
    return this.next;
  }

  get bufferedCount(): number {
    return this.buffer.length;
  }

  get lowestBuffered(): number | undefined {
    return this.buffer[0]?.seq;
  }

  /** When the next seq started to be missing with entries waiting behind it; null when nothing waits. */
  get waitingSince(): number | null {
    return this.since;
  }

  /** Offers one entry; returns what can now be released, in order. */
  offer(entry: T, now: number): T[] {
    if (entry.seq < this.next) {
      return [];
    }
    if (entry.seq > this.next) {
      this.hold(entry, now);
      return [];
    }
    this.next += 1;
    return [entry, ...this.drain(now)];
  }

  /**
   * Gives up on the missing seqs below the lowest buffered one: returns a gap
   * notice and then everything that follows it in order. Empty when nothing waits.
   */
  skipGap(now: number): Array<T | GapNotice> {
    const lowest = this.lowestBuffered;
    if (lowest === undefined) {
      return [];
    }
    const gap: GapNotice = { kind: 'gap', expected: this.next, actual: lowest };
    this.next = lowest;
    return [gap, ...this.drain(now)];
  }

  /**
   * Gives up on every seq below `seq` (known to exist, but not readable in time): returns a gap notice and
   * then whatever buffered follows it in order. Empty when `seq` is not ahead of the next seq.
   */
  skipTo(seq: number, now: number): Array<T | GapNotice> {
    if (seq <= this.next) {
      return [];
    }
    const gap: GapNotice = { kind: 'gap', expected: this.next, actual: seq };
    this.next = seq;
    while (this.buffer.length > 0 && this.buffer[0].seq < seq) {
      this.buffer.shift();
    }
    return [gap, ...this.drain(now)];
  }

  private hold(entry: T, now: number): void {
    const index = this.insertionIndex(entry.seq);
    if (this.buffer[index]?.seq === entry.seq) {
      return;
    }
    this.buffer.splice(index, 0, entry);
    if (this.buffer.length > this.maxBuffered) {
      this.buffer.pop();
    }
    if (this.since === null) {
      this.since = now;
    }
  }

  private drain(now: number): T[] {
    let count = 0;
    while (count < this.buffer.length && this.buffer[count].seq === this.next) {
      count += 1;
      this.next += 1;
    }
    const released = this.buffer.splice(0, count);
    this.since = this.buffer.length > 0 ? now : null;
    return released;
  }

  /** The index of the first buffered entry whose seq is >= seq. */
  private insertionIndex(seq: number): number {
    let low = 0;
    let high = this.buffer.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.buffer[mid].seq < seq) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }
}
