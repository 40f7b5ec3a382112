import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  compressSegment,
  StoredOffsetRow,
  lockOffset,
  OBJECT_STORE,
  ObjectStore,
  OffsetKey,
  runStatement,
  storedPosition,
  storeOffset,
} from '@threadline/persistence';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';
import { ArchivedSeqCatchUp } from './archived-seq-catch-up';
import { planIndex, planRange, SegmentPlan } from './segment-plan';
import { advanceArchivedSeq, insertIndex, insertSegment } from './segment-statements';

/** `nextOffset` and `fence`: the partition's stored position after the transaction. */
export type SegmentOutcome =
  | { status: 'archived'; nextOffset: number; fence: number; storedBytes: number }
  /**
   * The stored offset had already moved past the segment's start (written by
   * someone else), or it is the segment's start but under another fence than the
   * segment assumed: dropped, the consumer goes on from the stored position.
   */
  | { status: 'stale'; nextOffset: number; fence: number }
  /**
   * The segment starts above the stored offset: Postgres lost commits it had
   * acknowledged (a crash with synchronous_commit=off, a failover to a lagging
   * replica). Nothing was indexed; the consumer must go back to `nextOffset`.
   */
  | { status: 'behind'; nextOffset: number; fence: number };

const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 5;

/**
 * Makes the segments of one range (one per tenant) durable, in this order:
 * 1. the objects: compressed deterministically and put atomically (temp file, fsync, rename);
 * 2. one Postgres transaction: the segment rows, their index rows, the partition's
 *    position (next offset = last offset + 1, and the index fence after the
 *    segment) and `archived_seq` of its conversations.
 * A crash after 1 leaves objects nothing references, rewritten identically if the
 * same range is archived again; a crash during 2 changes nothing. The caller
 * advances Kafka only after this returns.
 */
@Injectable()
export class SegmentWriter {
  private readonly logger = new Logger(SegmentWriter.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
    private readonly catchUp: ArchivedSeqCatchUp,
  ) {}

  /**
   * `acceptGapAfter`: index the segment even though it starts above the stored
   * offset when that offset is this one: the consumer already went back there once
   * and Kafka no longer has the offsets in between (topic retention).
   */
  async write(plan: SegmentPlan, acceptGapAfter?: number): Promise<SegmentOutcome> {
    const storedBytes = new Map<string, number>();
    for (const segment of plan.segments) {
      const bytes = compressSegment(segment.lines);
      await this.store.put(segment.key, bytes);
      storedBytes.set(segment.key, bytes.length);
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        const outcome = await this.commit(plan, storedBytes, acceptGapAfter);
        if (outcome.status === 'archived') {
          this.catchUp.noteSegment(planIndex(plan));
        }
        return outcome;
      } catch (error) {
        const failed = error as { code?: string; driverError?: { code?: string } };
        const code = failed.driverError?.code ?? failed.code;
        if (attempt >= ATTEMPTS || code === undefined || !RETRYABLE.has(code)) {
          throw error;
        }
        this.logger.warn(`segments of ${planRange(plan)}: retrying index transaction after ${code}`);
      }
    }
  }

  private commit(
    plan: SegmentPlan,
    storedBytes: ReadonlyMap<string, number>,
    acceptGapAfter?: number,
  ): Promise<SegmentOutcome> {
    const key: OffsetKey = {
      consumer: this.config.consumer.groupId,
      topic: this.config.kafka.topic,
      partition: plan.partition,
    };
    return this.dataSource.transaction('READ COMMITTED', async (tx) => {
      const [locked] = await runStatement<StoredOffsetRow[]>(tx, lockOffset(key));
      const position = storedPosition(locked);
      const stored = position.nextOffset;
      if (stored > plan.firstOffset || (stored === plan.firstOffset && position.indexFence !== plan.startFence)) {
        return { status: 'stale', nextOffset: stored, fence: position.indexFence };
      }
      if (stored < plan.firstOffset) {
        if (acceptGapAfter !== stored) {
          return { status: 'behind', nextOffset: stored, fence: position.indexFence };
        }
        // Offsets below the segment no longer exist in the topic: nothing to archive there.
        this.logger.warn(`partition ${plan.partition}: offsets ${stored}..${plan.firstOffset - 1} are gone from Kafka`);
      }
      for (const segment of plan.segments) {
        await runStatement(tx, insertSegment(plan, segment, storedBytes.get(segment.key) ?? 0));
        if (segment.index.length > 0) {
          await runStatement(tx, insertIndex(plan, segment));
        }
      }
      await runStatement(tx, storeOffset(key, { nextOffset: plan.lastOffset + 1, indexFence: plan.fence }));
      const index = planIndex(plan);
      if (index.length > 0) {
        await runStatement(tx, advanceArchivedSeq(key.consumer, key.topic, index));
      }
      const total = [...storedBytes.values()].reduce((sum, bytes) => sum + bytes, 0);
      return { status: 'archived', nextOffset: plan.lastOffset + 1, fence: plan.fence, storedBytes: total };
    });
  }
}
