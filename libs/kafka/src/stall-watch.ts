interface PartitionProgress {
  offset: number;
  lag: number;
  /** When the offset last moved, or the partition last had no lag. */
  since: number;
}

/**
 * Tells a partition that is merely behind from one that is stuck: stalled means
 * it has lag and its position has not moved for `stallAfterMs`. Pure: the caller
 * brings the clock. The projector reports what it finds (readiness); realtime's
 * live consumers start their consumer again (InstanceGroupConsumer).
 */
export class StallWatch {
  private readonly partitions = new Map<number, PartitionProgress>();

  constructor(private readonly stallAfterMs: number) {}

  observe(partition: number, offset: number, lag: number, now: number): void {
    const known = this.partitions.get(partition);
    const moved = !known || known.offset !== offset || lag === 0 || known.lag === 0;
    this.partitions.set(partition, { offset, lag, since: moved ? now : known.since });
  }

  /** Forgets what was seen of a partition: its stall time counts again from its next observation. */
  forget(partition: number): void {
    this.partitions.delete(partition);
  }

  /** Forgets every partition (nothing could be observed for a while: Kafka unreachable). */
  clear(): void {
    this.partitions.clear();
  }

  /** Stalled partitions with how long each has been stuck. */
  stalled(now: number): Record<string, number> {
    const stalled: Record<string, number> = {};
    for (const [partition, progress] of this.partitions) {
      const stuckFor = now - progress.since;
      if (progress.lag > 0 && stuckFor >= this.stallAfterMs) {
        stalled[String(partition)] = stuckFor;
      }
    }
    return stalled;
  }
}
