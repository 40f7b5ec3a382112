/** What to do with a fetched batch: go back to an offset and drop the batch, or hand on its messages from `from`. */
export type BatchPlan = { kind: 'seek'; offset: string } | { kind: 'deliver'; from: number };

/**
 * Where the fan-out consumer stands in each partition: the offset after the last
 * message it handed to the hub. Its throwaway group commits nothing, so when
 * kafkajs rejoins (the broker restarted, the consumer crashed and restarted) the
 * fetch starts again at the latest offset, and every event produced meanwhile
 * would be skipped: a stream waiting on such a seq could then deliver a later
 * event for it (a hole reaper's tombstone) where every other consumer has the
 * message. A batch that starts past the position sends the consumer back there;
 * messages below it were delivered already and are dropped.
 */
export class PartitionPositions {
  private readonly next = new Map<number, bigint>();
  /** Per partition, the position last gone back to: a batch that still starts above it goes on (retention). */
  private readonly wentBackTo = new Map<number, bigint>();

  plan(partition: number, offsets: string[]): BatchPlan {
    const next = this.next.get(partition);
    if (next === undefined || offsets.length === 0) {
      return { kind: 'deliver', from: 0 };
    }
    if (BigInt(offsets[0]) > next && this.wentBackTo.get(partition) !== next) {
      this.wentBackTo.set(partition, next);
      return { kind: 'seek', offset: next.toString() };
    }
    const from = offsets.findIndex((offset) => BigInt(offset) >= next);
    return { kind: 'deliver', from: from === -1 ? offsets.length : from };
  }

  /** The message at `offset` reached the hub. */
  delivered(partition: number, offset: string): void {
    this.next.set(partition, BigInt(offset) + 1n);
  }
}
