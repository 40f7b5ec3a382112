import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EventTypeName } from '@threadline/contracts';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import { aggregateStats, planChunk, ProjectionRecord } from './batch-plan';
import {
  insertConversations,
  InsertedMessageRow,
  insertMessages,
  lockOffset,
  markDeleted,
  OffsetKey,
  Statement,
  storeOffset,
  toInsertedMessage,
  updateStats,
} from './projection-statements';

export interface ChunkInput {
  partition: number;
  /** Decodable records of the chunk, in offset order. */
  records: readonly ProjectionRecord[];
  /** Last offset of the chunk + 1, undecodable records included. */
  endOffset: number;
}

export interface ChunkOutcome {
  /** The partition's stored next offset after the transaction. */
  nextOffset: number;
  applied: Map<EventTypeName, number>;
  replayed: number;
}

/**
 * Writes one chunk of a partition and the partition's next offset in one
 * transaction: exactly once in effect. Events below the stored offset were
 * written by an earlier transaction (a replay after a crash, or another instance
 * before a rebalance) and are dropped.
 */
@Injectable()
export class ProjectionWriter {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {}

  write(chunk: ChunkInput): Promise<ChunkOutcome> {
    const key: OffsetKey = {
      consumer: this.config.projection.groupId,
      topic: this.config.kafka.topic,
      partition: chunk.partition,
    };
    return this.dataSource.transaction(async (tx) => {
      const [locked] = await run<{ next_offset: string }[]>(tx, lockOffset(key));
      const storedNextOffset = Number(locked.next_offset);
      const plan = planChunk(chunk.records, storedNextOffset);
      if (chunk.endOffset <= storedNextOffset) {
        return { nextOffset: storedNextOffset, applied: plan.applied, replayed: plan.replayed };
      }
      if (plan.conversations.length > 0) {
        await run(tx, insertConversations(plan.conversations));
      }
      if (plan.messages.length > 0) {
        const inserted = await run<InsertedMessageRow[]>(tx, insertMessages(plan.messages, chunk.partition));
        const stats = aggregateStats(inserted.map(toInsertedMessage));
        if (stats.length > 0) {
          await run(tx, updateStats(stats));
        }
      }
      if (plan.deletes.length > 0) {
        await run(tx, markDeleted(plan.deletes));
      }
      await run(tx, storeOffset(key, chunk.endOffset));
      return { nextOffset: chunk.endOffset, applied: plan.applied, replayed: plan.replayed };
    });
  }
}

function run<T = unknown>(tx: EntityManager, statement: Statement): Promise<T> {
  return tx.query<T>(statement.sql, statement.params);
}
