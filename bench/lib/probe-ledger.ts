import { LatencyHistogram, LatencySummary } from './histogram';

/** A range of probe numbers, `from` included, `to` excluded. */
export interface ProbeRange {
  from: number;
  to: number;
}

/**
 * When each probe (a numbered append or produce) was sent, acknowledged and
 * first received at the far end; later receipts of the same probe are counted
 * as duplicates (at-least-once delivery repeats them).
 */
export class ProbeLedger {
  duplicates = 0;
  private readonly sentAt: Float64Array;
  private readonly acked: Uint8Array;
  private readonly receivedAt: Float64Array;

  constructor(readonly total: number) {
    this.sentAt = new Float64Array(total);
    this.acked = new Uint8Array(total);
    this.receivedAt = new Float64Array(total);
  }

  markSent(probe: number): void {
    this.sentAt[probe] = performance.now();
  }

  markAcked(probe: number): void {
    this.acked[probe] = 1;
  }

  received(probe: number, at: number): void {
    if (!Number.isInteger(probe) || probe < 0 || probe >= this.total) {
      return;
    }
    if (this.receivedAt[probe] > 0) {
      this.duplicates += 1;
    } else {
      this.receivedAt[probe] = at;
    }
  }

  /** When the probe was sent and first received (performance.now() times; received 0 when not yet). */
  timesOf(probe: number): { sent: number; received: number } {
    return { sent: this.sentAt[probe], received: this.receivedAt[probe] };
  }

  /** Probes of the range whose write was acknowledged. */
  ackedIn(range: ProbeRange): number {
    return this.count(range, (p) => this.acked[p] === 1);
  }

  /** Acknowledged probes of the range received so far. */
  receivedIn(range: ProbeRange): number {
    return this.count(range, (p) => this.acked[p] === 1 && this.receivedAt[p] > 0);
  }

  /** Acknowledged probes of the range received before `at`. */
  receivedBefore(range: ProbeRange, at: number): number {
    return this.count(range, (p) => this.acked[p] === 1 && this.receivedAt[p] > 0 && this.receivedAt[p] < at);
  }

  /** Whether every acknowledged probe of the range has been received. */
  allReceived(range: ProbeRange): boolean {
    return this.receivedIn(range) === this.ackedIn(range);
  }

  /** The first and last receipt of the range (performance.now() times); NaN when nothing was received. */
  receiptSpan(range: ProbeRange): { first: number; last: number } {
    let first = Infinity;
    let last = -Infinity;
    for (let p = range.from; p < range.to; p += 1) {
      const at = this.receivedAt[p];
      if (at > 0) {
        first = Math.min(first, at);
        last = Math.max(last, at);
      }
    }
    return Number.isFinite(first) ? { first, last } : { first: NaN, last: NaN };
  }

  /** Send → first receipt of the range's received probes. */
  latency(range: ProbeRange): LatencySummary {
    const histogram = new LatencyHistogram();
    for (let p = range.from; p < range.to; p += 1) {
      if (this.receivedAt[p] > 0) {
        histogram.recordMs(this.receivedAt[p] - this.sentAt[p]);
      }
    }
    return histogram.summary();
  }

  private count(range: ProbeRange, predicate: (probe: number) => boolean): number {
    let n = 0;
    for (let p = range.from; p < range.to; p += 1) {
      if (predicate(p)) {
        n += 1;
      }
    }
    return n;
  }
}
