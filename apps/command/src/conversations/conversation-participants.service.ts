import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ConversationRef, formatJsonPath, Participant } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { AgentsService } from '../agents/agents.service';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { participantsSet } from '../event-log/event-factory';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { HeadIndexService } from '../head-index/head-index.service';

/** A conversation's participants: who may be named, and replacing the list of an existing conversation. */
@Injectable()
export class ConversationParticipantsService {
  constructor(
    private readonly index: HeadIndexService,
    private readonly directory: ConversationDirectory,
    private readonly publisher: EventPublisher,
    private readonly agents: AgentsService,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  /** 400 unknown_agent, naming the field, for an `agent` participant that is not an agent of the tenant. */
  async checkAgentsRegistered(tenantId: string, participants: Participant[]): Promise<void> {
    const agentIds = participants.filter((p) => p.kind === 'agent').map((p) => p.id);
    const registered = await this.agents.registered(tenantId, agentIds);
    const index = participants.findIndex((p) => p.kind === 'agent' && !registered.has(p.id));
    if (index >= 0) {
      throw ApiError.badRequest(
        'unknown_agent',
        `${formatJsonPath(['participants', index, 'id'])}: no agent ${participants[index].id} is registered in this tenant`,
      );
    }
  }

  /**
   * Replaces the participant list of a created conversation with a
   * `conversation.participants_set` event: nothing when the list is the same; one
   * change in flight per conversation (else 503 index_busy), so the events are in
   * the order of the changes; the list counts once Kafka has the event and its
   * index epoch is still trusted. When Kafka does not acknowledge in time (503),
   * the list is left as it was; an event that landed anyway is made good by the
   * retried PUT (the projection then sees the same list twice).
   */
  async replace(ref: ConversationRef, participants: Participant[]): Promise<void> {
    const token = randomUUID();
    let decision = await this.index.beginParticipants(ref, participants, token, 2 * this.config.append.ackTimeoutMs);
    if (decision.kind === 'missing' && (await this.directory.hydrate(ref, this.config.append.ackTimeoutMs))) {
      decision = await this.index.beginParticipants(ref, participants, token, 2 * this.config.append.ackTimeoutMs);
    }
    switch (decision.kind) {
      case 'rebuilding':
        return this.directory.throwRebuilding();
      case 'missing':
      case 'not_found':
        throw ApiError.notFound(ref.conversationId);
      case 'tombstoned':
        throw ApiError.tombstoned();
      case 'busy':
        throw ApiError.unavailable(
          'index_busy',
          'Another participants change of this conversation is in flight; retry',
          1,
        );
      case 'same':
        return;
      case 'ok': {
        const published = await this.publisher
          .publish(participantsSet(ref, participants, decision.epoch), this.config.append.ackTimeoutMs)
          .then(
            () => true,
            () => false,
          );
        const confirmation = await this.index.finishParticipants(ref, participants, token, decision.epoch, published);
        if (!published) {
          throw ApiError.unavailable('kafka_unavailable', 'The event log did not acknowledge in time; retry', 1);
        }
        if (confirmation === 'fenced') {
          throw ApiError.outcomeUnknown();
        }
      }
    }
  }
}
