import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { conversationKey, EventTypeName } from '@threadline/contracts';
import { ChunkOffsets, lockChunkPosition, OffsetKey, runStatement, storeOffset } from '@threadline/persistence';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import { FencedEvent, participantListsToWrite, planChunk, PoisonRecord, ProjectionRecord } from './batch-plan';
import {
  applyHeaderUpdates,
  CreatedConversation,
  insertConversations,
  insertMessagesWithStats,
  insertQuarantined,
  markDeleted,
  replaceParticipants,
} from './projection-statements';
import { chunkRuns } from './chunk-runs';
import { advanceWatermarks } from './watermark-statements';

/** Offsets count poison records too. */
export interface ChunkInput extends ChunkOffsets {
  partition: number;
  /** Every record of the chunk after the poison rule (events, fences, poison records), in offset order. */
  records: readonly ProjectionRecord[];
  /** Records of the chunk that are quarantined instead of applied (the poison rule). */
  poison: readonly PoisonRecord[];
}

export interface ChunkOutcome {
  /** The partition's stored next offset after the transaction. */
  nextOffset: number;
  /**
   * The chunk starts above the stored offset and nothing was written: Postgres
   * lost commits it had acknowledged (a crash with synchronous_commit=off, a
   * failover to a lagging replica). The consumer must go back to `nextOffset`.
   */
  behind?: boolean;
  applied: Map<EventTypeName, number>;
  replayed: number;
  /** Events the fence rule ignored (none on a replay). */
  fenced: FencedEvent[];
  /** Poison records this transaction quarantined (none on a replay). */
  quarantined: PoisonRecord[];
}

/**
 * Writes one chunk of a partition and the partition's position (next offset and
 * index fence) in one transaction: exactly once in effect. Events below the stored
 * offset were written by an earlier transaction (a replay after a crash, or another
 * instance before a rebalance) and are dropped. The fence rule starts from the
 * stored fence, so a restart anywhere fences exactly as an uninterrupted run.
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
      const position = await lockChunkPosition(tx, key, chunk);
      const storedNextOffset = position.stored.nextOffset;
      const plan = planChunk(chunk.records, position.stored, chunk.poison);
      if (position.kind === 'written') {
        return {
          nextOffset: storedNextOffset,
          applied: plan.applied,
          replayed: plan.replayed,
          fenced: [],
          quarantined: [],
        };
      }
      if (position.kind === 'behind') {
        return {
          nextOffset: storedNextOffset,
          applied: new Map(),
          replayed: 0,
          fenced: [],
          quarantined: [],
          behind: true,
        };
      }
      const created =
        plan.conversations.length > 0
          ? await runStatement<CreatedConversation[]>(tx, insertConversations(plan.conversations))
          : [];
      const participantLists = participantListsToWrite(
        plan.participants,
        new Set(created.map((row) => conversationKey({ tenantId: row.tenant_id, conversationId: row.id }))),
      );
      if (participantLists.length > 0) {
        await runStatement(tx, replaceParticipants(participantLists));
      }
      if (plan.updates.length > 0) {
        await runStatement(tx, applyHeaderUpdates(plan.updates));
      }
      if (plan.messages.length > 0) {
        await runStatement(tx, insertMessagesWithStats(plan.messages, chunk.partition));
        await runStatement(tx, advanceWatermarks(chunkRuns(plan.messages)));
      }
      if (plan.deletes.length > 0) {
        await runStatement(tx, markDeleted(plan.deletes));
      }
      if (plan.quarantined.length > 0) {
        await runStatement(tx, insertQuarantined(plan.quarantined, key));
      }
      await runStatement(tx, storeOffset(key, { nextOffset: chunk.endOffset, indexFence: plan.fence }));
      return {
        nextOffset: chunk.endOffset,
        applied: plan.applied,
        replayed: plan.replayed,
        fenced: plan.fenced,
        quarantined: plan.quarantined,
      };
    });
  }
}
