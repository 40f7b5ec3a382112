import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { conversationKey, EventTypeName } from '@threadline/contracts';
import {
  ChunkOffsets,
  claimOffset,
  lockChunkPosition,
  OffsetKey,
  runStatement,
  Statement,
  StoredPosition,
  storeOffset,
} from '@threadline/persistence';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import {
  ChunkPlan,
  FencedEvent,
  ParticipantsChange,
  participantListsToWrite,
  planChunk,
  PoisonRecord,
  ProjectionRecord,
} from './batch-plan';
import { runClaimedTransaction } from './claimed-transaction';
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

/** An outcome with the fence the partition's position holds after it, which the next claim starts from. */
type WrittenChunk = ChunkOutcome & { indexFence: number };

/**
 * Writes one chunk of a partition and the partition's position (next offset and
 * index fence) in one transaction: exactly once in effect. Events below the stored
 * offset were written by an earlier transaction (a replay after a crash, or another
 * instance before a rebalance) and are dropped. The fence rule starts from the
 * stored fence, so a restart anywhere fences exactly as an uninterrupted run.
 *
 * The usual chunk starts where this instance's last one ended. It is planned from
 * the position that one stored and written in one pipelined transaction that first
 * claims the position (moves it only if it is still the one remembered): two round
 * trips instead of one per statement. Any other chunk, one whose statements need
 * an earlier one's result (an initial participant list needs to know whether its
 * conversation was created now), or a refused claim (the position moved: another
 * instance wrote, or Postgres lost commits) takes the locking transaction, which
 * reads the stored position under the lock first.
 */
@Injectable()
export class ProjectionWriter {
  /** Per partition, the position this instance's last transaction stored or found; dropped when a write fails. */
  private readonly positions = new Map<number, StoredPosition>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {}

  async write(chunk: ChunkInput): Promise<ChunkOutcome> {
    const key: OffsetKey = {
      consumer: this.config.projection.groupId,
      topic: this.config.kafka.topic,
      partition: chunk.partition,
    };
    const remembered = this.positions.get(chunk.partition);
    this.positions.delete(chunk.partition);
    const outcome =
      (remembered && chunk.startOffset === remembered.nextOffset
        ? await this.writeClaimed(key, chunk, remembered)
        : null) ?? (await this.writeLocked(key, chunk));
    if (!outcome.behind) {
      this.positions.set(chunk.partition, { nextOffset: outcome.nextOffset, indexFence: outcome.indexFence });
    }
    return outcome;
  }

  /** The pipelined transaction; null when it cannot be used or the claim is refused (nothing written). */
  private async writeClaimed(key: OffsetKey, chunk: ChunkInput, from: StoredPosition): Promise<WrittenChunk | null> {
    const plan = planChunk(chunk.records, from, chunk.poison);
    if (plan.participants.some((change) => change.mode !== 'replace')) {
      return null;
    }
    const to = { nextOffset: chunk.endOffset, indexFence: plan.fence };
    const statements = [
      ...(plan.conversations.length > 0 ? [insertConversations(plan.conversations)] : []),
      ...writeStatements(plan, plan.participants, key),
    ];
    if (!(await runClaimedTransaction(this.dataSource, claimOffset(key, from, to), statements))) {
      return null;
    }
    return this.written(chunk, plan);
  }

  private writeLocked(key: OffsetKey, chunk: ChunkInput): Promise<WrittenChunk> {
    return this.dataSource.transaction(async (tx) => {
      const position = await lockChunkPosition(tx, key, chunk);
      const stored = position.stored;
      const plan = planChunk(chunk.records, stored, chunk.poison);
      if (position.kind === 'written') {
        return { ...stored, applied: plan.applied, replayed: plan.replayed, fenced: [], quarantined: [] };
      }
      if (position.kind === 'behind') {
        return { ...stored, applied: new Map(), replayed: 0, fenced: [], quarantined: [], behind: true };
      }
      const participantLists = participantListsToWrite(plan.participants, await createConversations(tx, plan));
      for (const statement of writeStatements(plan, participantLists, key)) {
        await runStatement(tx, statement);
      }
      await runStatement(tx, storeOffset(key, { nextOffset: chunk.endOffset, indexFence: plan.fence }));
      return this.written(chunk, plan);
    });
  }

  private written(chunk: ChunkInput, plan: ChunkPlan): WrittenChunk {
    return {
      nextOffset: chunk.endOffset,
      indexFence: plan.fence,
      applied: plan.applied,
      replayed: plan.replayed,
      fenced: plan.fenced,
      quarantined: plan.quarantined,
    };
  }
}

/** Creates the chunk's new conversations; returns the keys (conversationKey) of those created now. */
async function createConversations(tx: EntityManager, plan: ChunkPlan): Promise<Set<string>> {
  if (plan.conversations.length === 0) {
    return new Set();
  }
  const created = await runStatement<CreatedConversation[]>(tx, insertConversations(plan.conversations));
  return new Set(created.map((row) => conversationKey({ tenantId: row.tenant_id, conversationId: row.id })));
}

/** The statements after the conversations are created, in the order they run; none reads another's result. */
function writeStatements(
  plan: ChunkPlan,
  participantLists: readonly ParticipantsChange[],
  key: OffsetKey,
): Statement[] {
  const statements: Statement[] = [];
  if (participantLists.length > 0) {
    statements.push(replaceParticipants(participantLists));
  }
  if (plan.updates.length > 0) {
    statements.push(applyHeaderUpdates(plan.updates));
  }
  if (plan.messages.length > 0) {
    statements.push(insertMessagesWithStats(plan.messages, key.partition));
    statements.push(advanceWatermarks(chunkRuns(plan.messages)));
  }
  if (plan.deletes.length > 0) {
    statements.push(markDeleted(plan.deletes));
  }
  if (plan.quarantined.length > 0) {
    statements.push(insertQuarantined(plan.quarantined, key));
  }
  return statements;
}
