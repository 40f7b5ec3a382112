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
import { SegmentPlan } from './segment-plan';
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
 * Makes one segment durable, in this order:
 * 1. the object: compressed deterministically and put atomically (temp file, fsync, rename);
 * 2. one Postgres transaction: the segment row, its index rows, the partition's
 *    position (next offset = last offset + 1, and the index fence after the
 *    segment) and `archived_seq` of its conversations.
 * A crash after 1 leaves an object nothing references, rewritten identically if the
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
    const bytes = compressSegment(plan.lines);
    await this.store.put(plan.key, bytes);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const outcome = await this.commit(plan, bytes.length, acceptGapAfter);
        if (outcome.status === 'archived') {
          this.catchUp.noteSegment(plan.index);
        }
        return outcome;
      } catch (error) {
        const failed = error as { code?: string; driverError?: { code?: string } };
        const code = failed.driverError?.code ?? failed.code;
        if (attempt >= ATTEMPTS || code === undefined || !RETRYABLE.has(code)) {
          throw error;
        }
        this.logger.warn(`segment ${plan.key}: retrying index transaction after ${code}`);
      }
    }
  }

  private commit(plan: SegmentPlan, storedBytes: number, acceptGapAfter?: number): Promise<SegmentOutcome> {
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
      await runStatement(tx, insertSegment(plan, storedBytes));
      if (plan.index.length > 0) {
        await runStatement(tx, insertIndex(plan, plan.index));
      }
      await runStatement(tx, storeOffset(key, { nextOffset: plan.lastOffset + 1, indexFence: plan.fence }));
      if (plan.index.length > 0) {
        const ids = plan.index.map((e) => e.conversationId);
        await runStatement(tx, advanceArchivedSeq(key.consumer, key.topic, ids));
      }
      return { status: 'archived', nextOffset: plan.lastOffset + 1, fence: plan.fence, storedBytes };
    });
  }
}
