import { PartitionOffsets, StallWatch } from '@threadline/kafka';

/** The earliest and end offsets of every partition of a topic (TopicOffsetsReader.read). */
export type TopicEnds = () => Promise<PartitionOffsets[]>;

/** A partition a live consumer does not move on although the topic has records past its position. */
export interface StalledPartition {
  partition: number;
  /** The consumer's next offset; for a partition it has no position in, the end offset first seen so. */
  position: number;
  /** Whether the consumer has a position in the partition (it had a batch of it since it started). */
  placed: boolean;
  /** The partition's end offset; below `position` when records the consumer handled are gone from Kafka. */
  end: number;
  /** The earliest offset Kafka still has; above `position` when records the consumer has yet to read are gone. */
  earliest: number;
  stuckForMs: number;
}

/**
 * Finds the partitions a live consumer is stuck on: records past its position in
 * memory (PartitionPositions.nextOffsets) and no progress for `stallAfterMs`
 * (StallWatch). An end below the position counts as lag too: the log lost records
 * the consumer handled, and the records written at those offsets since would be
 * dropped as handled. A partition the consumer has no position in yet (no batch of
 * it since it started, at the latest offset) is watched from its end offset when
 * first seen so: records past that must reach the consumer.
 *
 * Nothing is observed while Kafka does not answer, and a partition's stall time
 * counts again from the first answer after that, so a consumer still rejoining
 * after an outage is not stalled. Pure apart from the `ends` it is given; the
 * caller brings the clock.
 */
export class LiveLagWatch {
  private readonly stalls: StallWatch;
  /** End offset minus position per partition with a position, as of the last check (negative: records gone). */
  private lastLag = new Map<number, number>();
  /** Per partition without a position, its end offset when first seen so. */
  private readonly unplacedFrom = new Map<number, number>();

  constructor(
    private readonly topicEnds: TopicEnds,
    private readonly positions: () => Map<number, number>,
    stallAfterMs: number,
  ) {
    this.stalls = new StallWatch(stallAfterMs);
  }

  /** Asks for the topic's end offsets and returns the stalled partitions; throws (forgetting every observation) when Kafka does not answer. */
  async check(now: number): Promise<StalledPartition[]> {
    let ends: PartitionOffsets[];
    try {
      ends = await this.topicEnds();
    } catch (error) {
      this.stalls.clear();
      throw error;
    }
    const positions = this.positions();
    const lag = new Map<number, number>();
    const seen = new Map<number, Omit<StalledPartition, 'stuckForMs'>>();
    for (const { partition, low, high } of ends) {
      const end = Number(high);
      const earliest = Number(low);
      const placedAt = positions.get(partition);
      if (placedAt === undefined) {
        const from = this.unplacedFrom.get(partition) ?? end;
        this.unplacedFrom.set(partition, from);
        seen.set(partition, { partition, position: from, placed: false, end, earliest });
        this.stalls.observe(partition, from, Math.max(0, end - from), now);
      } else {
        this.unplacedFrom.delete(partition);
        lag.set(partition, end - placedAt);
        seen.set(partition, { partition, position: placedAt, placed: true, end, earliest });
        this.stalls.observe(partition, placedAt, Math.abs(end - placedAt), now);
      }
    }
    this.lastLag = lag;
    return Object.entries(this.stalls.stalled(now)).flatMap(([key, stuckForMs]) => {
      const partition = seen.get(Number(key));
      return partition ? [{ ...partition, stuckForMs }] : [];
    });
  }

  /** End offset minus position per partition with a position, as of the last check (negative: records gone). */
  lag(): Map<number, number> {
    return this.lastLag;
  }

  /** The partition was acted on: its stall time counts again from its next observation. */
  forget(partition: number): void {
    this.stalls.forget(partition);
  }
}
