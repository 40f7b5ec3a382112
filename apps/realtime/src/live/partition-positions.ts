import { applyFence, DecodedRecord, FencedRecord } from '@threadline/contracts';

/**
 * What to do with a fetched batch: find where the partition starts first
 * (`locate`), go back to an offset and drop the batch, or hand on its messages from `from`.
 * A seek `again` goes back to where the last seek since the group's last join went: the
 * offsets in between are gone (retention) or hold no message, which the caller finds out.
 */
export type BatchPlan =
  { kind: 'locate' } | { kind: 'seek'; offset: string; again: boolean } | { kind: 'deliver'; from: number };

/** An offset of a partition and the index fence that holds there (docs/events.md rule 6). */
export interface FencedPosition {
  nextOffset: number;
  indexFence: number;
}

/**
 * Where the fan-out starts a partition it has no position for: at the projector's
 * stored position, whose fence is known, or at the partition's earliest offset
 * (fence 0) when the projector has stored none. Never below the earliest offset
 * Kafka still has: what retention removed is gone for every consumer.
 */
export function startPosition(projector: FencedPosition | null, earliestOffset: number): FencedPosition {
  if (projector === null) {
    return { nextOffset: earliestOffset, indexFence: 0 };
  }
  return { nextOffset: Math.max(projector.nextOffset, earliestOffset), indexFence: projector.indexFence };
}

/**
 * Where the fan-out consumer stands in each partition: the offset after the last
 * record it handled and the partition's index fence there.
 *
 * Its throwaway group starts at the latest offset, where the fence is unknown, so
 * the first batch of a partition asks where to start (`locate`): a position whose
 * fence is known (startPosition). The fence rule then runs from there in offset
 * order, like in every other consumer.
 *
 * It commits nothing, so when kafkajs rejoins (the broker restarted, the consumer
 * crashed and restarted) the fetch starts again at the latest offset, and every
 * event produced meanwhile would be skipped: a stream waiting on such a seq could
 * then deliver a later event for it (a hole reaper's tombstone) where every other
 * consumer has the message. A batch that starts past the position sends the
 * consumer back there; messages below it were handled already and are dropped.
 * A seek made before a rejoin may be lost (kafkajs resolves offsets afresh on a
 * rejoin, and forgets pending seeks when it restarts a crashed consumer), so a
 * rejoin (`rejoined`) lets the next batch go back again.
 */
export class PartitionPositions {
  private readonly next = new Map<number, bigint>();
  private readonly fences = new Map<number, number>();
  /** Per partition, the position last gone back to since the group's last join. */
  private readonly wentBackTo = new Map<number, bigint>();

  plan(partition: number, offsets: string[]): BatchPlan {
    const next = this.next.get(partition);
    if (offsets.length === 0) {
      return { kind: 'deliver', from: 0 };
    }
    if (next === undefined) {
      return { kind: 'locate' };
    }
    if (BigInt(offsets[0]) > next) {
      const again = this.wentBackTo.get(partition) === next;
      this.wentBackTo.set(partition, next);
      return { kind: 'seek', offset: next.toString(), again };
    }
    const from = offsets.findIndex((offset) => BigInt(offset) >= next);
    return { kind: 'deliver', from: from === -1 ? offsets.length : from };
  }

  /**
   * The partition starts at `position` (after a `locate` of a fetch that began at `fetchedFrom`), or at
   * `fetchedFrom` when that is lower: the projector may have passed the first records fetched while the
   * start was looked up, and a stream that caught up before they were projected waits for them live (a
   * lifecycle listener has no other way to get them at all). Handing on a record the projection also has
   * is harmless: streams drop a seq they have. The fence of `position` applies to those records too; it
   * is at least theirs, so it never lets through a record the projector ignored, and a record it wrongly
   * ignores (only when a fence lies between them) a stream reads from Postgres like any missing seq.
   */
  start(partition: number, position: FencedPosition, fetchedFrom: string | null): void {
    const located = BigInt(position.nextOffset);
    const fetched = fetchedFrom === null ? located : BigInt(fetchedFrom);
    this.next.set(partition, fetched < located ? fetched : located);
    this.fences.set(partition, position.indexFence);
  }

  /** The fence rule for the record at `offset`, which this moves past: what to hand to the hub, if anything. */
  handle(partition: number, offset: string, record: DecodedRecord): FencedRecord {
    const applied = applyFence(this.fences.get(partition) ?? 0, record);
    this.fences.set(partition, applied.fence);
    this.advance(partition, offset);
    return applied;
  }

  /** Moves past the record at `offset` (a topic without fences: the runs topic). */
  advance(partition: number, offset: string): void {
    this.next.set(partition, BigInt(offset) + 1n);
  }

  /**
   * Goes on from the first message of a batch that started past the position although the consumer went
   * back there since the last join: the offsets in between hold no message (control records), Kafka still
   * having them (the caller checked retention).
   */
  passOver(partition: number, offsets: string[]): BatchPlan {
    this.next.set(partition, BigInt(offsets[0]));
    return this.plan(partition, offsets);
  }

  /** The group joined again: a seek from before may be lost, so the next batch past a position goes back again. */
  rejoined(): void {
    this.wentBackTo.clear();
  }

  /** Forgets the partition: its next batch asks where to start again (`locate`). */
  forget(partition: number): void {
    this.next.delete(partition);
    this.fences.delete(partition);
    this.wentBackTo.delete(partition);
  }

  /** The next offset of every partition with a position. */
  nextOffsets(): Map<number, number> {
    return new Map([...this.next].map(([partition, next]) => [partition, Number(next)]));
  }
}
