import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { MessageAppendedEvent } from '@threadline/contracts';
import { ChunkOffsets, lockChunkPosition, OffsetKey, runStatement, storeOffset } from '@threadline/persistence';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';
import { viewOfEvent } from '../delivery/message-view';
import { IngestRecord, planIngest } from './ingest-plan';
import {
  extendNewestDelivery,
  initialParticipants,
  insertDelivery,
  PairConversation,
  participantAgents,
  ParticipantAgentRow,
  replaceParticipants,
  seqDelivered,
} from './ingest-statements';

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
}

/**
 * Turns one chunk of a partition into dispatch state in one transaction with
 * the partition's position (docs/agents.md): the agent participants of each
 * conversation, and for each committed message one delivery per agent
 * participant that did not send it, extending the pair's newest delivery
 * within its debounce window. The position only advances with those writes:
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
      const agents = new Map<string, ParticipantAgentRow[]>();
      let delivered = 0;
      for (const op of plan.ops) {
        if (op.kind === 'participants') {
          for (const statement of (op.initial ? initialParticipants : replaceParticipants)(op, op.agentIds)) {
            await runStatement(tx, statement);
          }
          agents.delete(conversationKeyOf(op));
        } else {
          delivered += await this.deliver(tx, op.event, agents);
        }
      }
      await runStatement(tx, storeOffset(key, { nextOffset: chunk.endOffset, indexFence: plan.fence }));
      return { nextOffset: chunk.endOffset, delivered };
    });
  }

  /** One delivery (new or extended) per agent participant that did not send the message. */
  private async deliver(
    tx: EntityManager,
    event: MessageAppendedEvent,
    cache: Map<string, ParticipantAgentRow[]>,
  ): Promise<number> {
    const conversation = { tenantId: event.tenant_id, conversationId: event.conversation_id };
    const key = conversationKeyOf(conversation);
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
      if ((await runStatement<unknown[]>(tx, seqDelivered(at))).length > 0) {
        continue;
      }
      const extended = await runStatement<[unknown[], number]>(
        tx,
        extendNewestDelivery(at, message, event.occurred_at, agent.debounce_ms),
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

function conversationKeyOf(conversation: PairConversation): string {
  return JSON.stringify([conversation.tenantId, conversation.conversationId]);
}
