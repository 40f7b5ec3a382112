import type { SessionEventView } from '@threadline/contracts';

/** Runs a flush once what is ready now has been handed over (setImmediate: after pending I/O and promise jobs). */
export type FlushScheduler = (flush: () => void) => void;

/**
 * Groups the events a tail has ready into batches of at most `batchSize`, never
 * waiting for more: a batch goes out when it is full or, at the latest, once the
 * events delivered in the same turn (a catch-up page, one Kafka batch) are in.
 */
export class TailBatcher {
  private pending: SessionEventView[] = [];
  private scheduled = false;

  constructor(
    private readonly batchSize: number,
    private readonly send: (events: SessionEventView[]) => void,
    private readonly schedule: FlushScheduler = (flush) => setImmediate(flush),
  ) {}

  add(event: SessionEventView): void {
    this.pending.push(event);
    if (this.pending.length >= this.batchSize) {
      this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Sends what is pending now (before a gap or the end, which must follow the events before them). */
  flush(): void {
    if (this.pending.length === 0) {
      return;
    }
    const batch = this.pending;
    this.pending = [];
    this.send(batch);
  }

  /** Drops what is pending: the client is gone. */
  cancel(): void {
    this.pending = [];
  }
}
