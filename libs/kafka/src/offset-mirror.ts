import { Logger } from '@nestjs/common';

/** One partition's committed position, as kafkajs's commitOffsets takes it. */
export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** Commits offsets to the group; rejects (or resolves late) while the group coordinator is unreachable. */
export type CommitOffsets = (offsets: CommittedOffset[]) => Promise<void>;

const RETRY_MS = 1000;
/**
 * Commits start at most this often: at 100 events/s a commit per batch was an OffsetCommit
 * request per event, about a tenth of the projector's CPU on a 2-core box (docs/performance.md).
 */
const INTERVAL_MS = 1000;

/**
 * Mirrors positions stored elsewhere (Postgres, with the owner's writes) to the group's Kafka
 * offsets, for lag tooling, without ever holding up the owner's processing: record() returns at
 * once and one commit at a time runs in the background with the latest offset recorded per
 * partition. A commit waits on the group coordinator, and kafkajs retries it until one answers:
 * awaited in the batch loop, the commit of a consumer whose coordinator died held up every batch
 * until that broker came back. A failed commit is tried again after RETRY_MS (a newer offset
 * recorded meanwhile replaces it), and commits start at most once per INTERVAL_MS. Only offsets
 * the owner recorded are committed, and the owner records an offset only once everything below
 * it is durably processed.
 */
export class OffsetMirror {
  /** Per partition, the next offset recorded and not committed yet. */
  private readonly pending = new Map<number, number>();
  private committing = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly topic: string,
    private readonly commit: CommitOffsets,
    private readonly logger: Logger,
    private readonly retryMs = RETRY_MS,
    private readonly intervalMs = INTERVAL_MS,
  ) {}

  /** Everything below `nextOffset` of `partition` is durably processed: commit it, in the background. */
  record(partition: number, nextOffset: number): void {
    this.pending.set(partition, nextOffset);
    this.flush();
  }

  /** The partitions this member owns now: what it recorded for others is no longer its to commit. */
  retain(partitions: number[]): void {
    for (const partition of [...this.pending.keys()].filter((p) => !partitions.includes(p))) {
      this.pending.delete(partition);
    }
  }

  /** Commits nothing more (a commit in flight ends on its own). */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
    clearTimeout(this.timer);
  }

  private flush(): void {
    if (this.committing || this.stopped || this.pending.size === 0) {
      return;
    }
    const offsets = [...this.pending].map(([partition, offset]) => ({
      topic: this.topic,
      partition,
      offset: String(offset),
    }));
    this.pending.clear();
    this.committing = true;
    const startedAt = Date.now();
    this.commit(offsets).then(
      () => this.flushAfter(this.intervalMs - (Date.now() - startedAt)),
      (error: unknown) => {
        for (const { partition, offset } of offsets) {
          if (!this.pending.has(partition)) {
            this.pending.set(partition, Number(offset));
          }
        }
        this.logger.debug(`kafka commit mirror: ${String(error)}; retrying in ${this.retryMs} ms`);
        this.flushAfter(this.retryMs);
      },
    );
  }

  /** Lets the next commit start in `ms` (at once when that is not positive). */
  private flushAfter(ms: number): void {
    if (ms <= 0) {
      this.committing = false;
      this.flush();
      return;
    }
    this.timer = setTimeout(() => {
      this.committing = false;
      this.flush();
    }, ms);
    this.timer.unref();
  }
}
