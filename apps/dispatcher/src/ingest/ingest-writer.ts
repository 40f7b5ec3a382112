import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { MessageAppendedEvent } from '@threadline/contracts';
import { ChunkOffsets, lockChunkPosition, OffsetKey, runStatement, storeOffset } from '@threadline/persistence';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';
import { viewOfEvent } from '../delivery/message-view';
import { IngestOp, IngestRecord, planIngest } from './ingest-plan';
import {
  addToDelivery,
  initialParticipants,
  insertDelivery,
  PairConversation,
  participantAgents,
  ParticipantAgentRow,
  replaceParticipants,
} from './ingest-statements';
import { ChunkSeenSeqs, SeenSeqs } from './seen-seqs';
import { lockSeenSeqs, removeSeenSeqs, SeenSeqsRow, storeSeenSeqs } from './seen-seqs-statements';

export interface IngestChunk extends ChunkOffsets {
  partition: number;
  records: readonly IngestRecord[];
}

export interface IngestOutcome {
  nextOffset: number;
  /** Postgres is behind the chunk (lost commits): nothing written, go back to nextOffset. */
  behind?: boolean;
  /** Deliveries created or extended. */
  delivered: number;
  /** A seq arrived below a higher one seen before: deliveries that waited for it may be due. */
  filledHole?: boolean;
}

/**
 * Turns one chunk of a partition into dispatch state in one transaction with
 * the partition's position (docs/agents.md): the agent participants of each
 * conversation, and for each committed message one delivery per agent
 * participant that did not send it, extending the pair's newest delivery
 * within its debounce window. Each seq counts once, the first event for it
 * winning, and is recorded as seen (SeenSeqs): a delivery is attempted only
 * once every seq up to its last is seen, so a seq that reaches the topic after
 * a higher one still goes first. The position only advances with those writes:
 * a crash anywhere replays from exactly the stored offset, losing nothing and
 * delivering nothing twice.
 */
@Injectable()
export class IngestWriter {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
  ) {}

  write(chunk: IngestChunk): Promise<IngestOutcome> {
    const key: OffsetKey = {
      consumer: this.config.ingest.groupId,
      topic: this.config.kafka.topic,
      partition: chunk.partition,
    };
    return this.dataSource.transaction(async (tx) => {
      const { kind, stored } = await lockChunkPosition(tx, key, chunk);
      if (kind !== 'write') {
        return { nextOffset: stored.nextOffset, behind: kind === 'behind', delivered: 0 };
      }
      const plan = planIngest(chunk.records, stored);
      const seen = await this.lockSeen(tx, plan.ops);
      const agents = new Map<string, ParticipantAgentRow[]>();
      let delivered = 0;
      let filledHole = false;
      for (const op of plan.ops) {
        if (op.kind === 'participants' || op.kind === 'deleted') {
          const initial = op.kind === 'participants' && op.initial;
          for (const statement of (initial ? initialParticipants : replaceParticipants)(op, agentIdsOf(op))) {
            await runStatement(tx, statement);
          }
          agents.delete(ChunkSeenSeqs.key(op));
          if (initial) {
            seen.created(op);
          } else if (op.kind === 'deleted') {
            seen.deleted(op, op.lastSeq);
          }
          continue;
        }
        const { conversation, seq } = seqOf(op);
        const seeing = seen.see(conversation, seq);
        filledHole ||= seeing.filledHole;
        if (seeing.first && op.kind === 'message') {
          delivered += await this.deliver(tx, op.event, agents);
        }
      }
      if (seen.changes.length > 0) {
        await runStatement(tx, storeSeenSeqs(seen.changes));
      }
      if (seen.removals.length > 0) {
        await runStatement(tx, removeSeenSeqs(seen.removals));
      }
      await runStatement(tx, storeOffset(key, { nextOffset: chunk.endOffset, indexFence: plan.fence }));
      return { nextOffset: chunk.endOffset, delivered, filledHole };
    });
  }

  /** The stored seen seqs of every conversation of the chunk, locked. */
  private async lockSeen(tx: EntityManager, ops: readonly IngestOp[]): Promise<ChunkSeenSeqs> {
    const conversations = new Map(
      ops.map((op) => {
        const conversation = op.kind === 'participants' || op.kind === 'deleted' ? op : seqOf(op).conversation;
        return [ChunkSeenSeqs.key(conversation), conversation];
      }),
    );
    const stored = new Map<string, SeenSeqs>();
    if (conversations.size > 0) {
      for (const row of await runStatement<SeenSeqsRow[]>(tx, lockSeenSeqs([...conversations.values()]))) {
        stored.set(
          ChunkSeenSeqs.key({ tenantId: row.tenant_id, conversationId: row.conversation_id }),
          new SeenSeqs(Number(row.contiguous_seq), row.ahead.map(Number)),
        );
      }
    }
    return new ChunkSeenSeqs(stored);
  }

  /** One delivery (new or extended) per agent participant that did not send the message. */
  private async deliver(
    tx: EntityManager,
    event: MessageAppendedEvent,
    cache: Map<string, ParticipantAgentRow[]>,
  ): Promise<number> {
    const conversation = { tenantId: event.tenant_id, conversationId: event.conversation_id };
    const key = ChunkSeenSeqs.key(conversation);
    let agents = cache.get(key);
    if (agents === undefined) {
      agents = await runStatement<ParticipantAgentRow[]>(tx, participantAgents(conversation));
      cache.set(key, agents);
    }
    const message = viewOfEvent(event);
    let delivered = 0;
    for (const agent of agents) {
      if (event.data.actor === `agent:${agent.id}`) {
        continue;
      }
      const at = { ...conversation, agentId: agent.id, seq: event.seq };
      const extended = await runStatement<[unknown[], number]>(
        tx,
        addToDelivery(at, message, event.occurred_at, agent.debounce_ms),
      );
      if (extended[1] === 0) {
        await runStatement(
          tx,
          insertDelivery({
            ...at,
            id: randomUUID(),
            message,
            createdAt: event.occurred_at,
            debounceMs: agent.debounce_ms,
            attemptsAllowed: agent.max_attempts,
          }),
        );
      }
      delivered += 1;
    }
    return delivered;
  }
}

/** The agent participants an op leaves: none once the conversation is deleted. */
function agentIdsOf(op: Extract<IngestOp, { kind: 'participants' | 'deleted' }>): string[] {
  return op.kind === 'participants' ? op.agentIds : [];
}

function seqOf(op: Extract<IngestOp, { kind: 'message' | 'tombstone' }>): {
  conversation: PairConversation;
  seq: number;
} {
  return op.kind === 'message'
    ? { conversation: { tenantId: op.event.tenant_id, conversationId: op.event.conversation_id }, seq: op.event.seq }
    : { conversation: op, seq: op.seq };
}
