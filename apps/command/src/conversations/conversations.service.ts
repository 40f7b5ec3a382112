import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ConversationRef, formatJsonPath, Participant } from '@threadline/contracts';
import { AgentsService } from '../agents/agents.service';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { conversationCreated, conversationDeleted, participantsSet } from '../event-log/event-factory';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { canonicalParticipants, ConversationRecord } from '../head-index/conversation-record';
import { HeadIndexService } from '../head-index/head-index.service';
import { ProjectionLookupService } from '../head-index/projection-lookup.service';
import { ApiError } from '@threadline/errors';
import { checkMetadataLimit } from '../messages/message-limits';
import { TenantConversationQuota } from '../tenant-limits/tenant-conversation-quota';
import { ConversationView, toConversationView, UpsertConversationDto } from './conversation.dto';

@Injectable()
export class ConversationsService {
  constructor(
    private readonly index: HeadIndexService,
    private readonly directory: ConversationDirectory,
    private readonly publisher: EventPublisher,
    private readonly projection: ProjectionLookupService,
    private readonly quota: TenantConversationQuota,
    private readonly agents: AgentsService,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  /**
   * Creates the conversation, or returns the existing one with its metadata
   * unchanged and, when `participants` is given and differs, the new list. The
   * create is acknowledged once its event is durable; until then the conversation
   * does not exist for reads or appends, and a retried PUT produces the event again
   * (consumers keep the first `conversation.created`).
   */
  async upsert(ref: ConversationRef, dto: UpsertConversationDto): Promise<ConversationView> {
    const metadata = dto.metadata ?? {};
    checkMetadataLimit(metadata, this.config.limits, 'metadata');
    const participants = dto.participants && canonicalParticipants(dto.participants);
    if (dto.participants) {
      await this.checkAgentsRegistered(ref.tenantId, dto.participants);
    }
    const existing = await this.directory.find(ref, this.config.append.ackTimeoutMs);
    if (existing?.created) {
      return participants ? this.setParticipants(existing, participants) : this.view(existing);
    }
    await this.quota.checkRoomFor(ref.tenantId);
    const pending = await this.index.create(ref, metadata, participants ?? []);
    if (pending.kind === 'rebuilding') {
      return this.directory.throwRebuilding();
    }
    const { record } = pending;
    await this.publishOr503(conversationCreated(ref, record.metadata, record.participants, pending.epoch));
    if ((await this.index.confirmCreate(ref, pending.epoch)) === 'fenced') {
      throw ApiError.outcomeUnknown();
    }
    return this.view({ ...pending.record, created: true });
  }

  /** 400 unknown_agent, naming the field, for an `agent` participant that is not an agent of the tenant. */
  private async checkAgentsRegistered(tenantId: string, participants: Participant[]): Promise<void> {
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
   * index epoch is still trusted.
   */
  private async setParticipants(record: ConversationRecord, participants: Participant[]): Promise<ConversationView> {
    const { ref } = record;
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
        return this.get(ref);
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
        return this.get(ref);
      }
    }
  }

  async get(ref: ConversationRef): Promise<ConversationView> {
    const record = await this.directory.find(ref, this.config.append.ackTimeoutMs);
    if (!record?.created) {
      throw ApiError.notFound(ref.conversationId);
    }
    return this.view(record);
  }

  /**
   * Tombstones the conversation: a durable `conversation.deleted` event; messages
   * stay readable, appends get 410. Repeating it is harmless.
   */
  async delete(ref: ConversationRef): Promise<void> {
    let decision = await this.index.decideDelete(ref);
    if (decision.kind === 'missing' && (await this.directory.hydrate(ref, this.config.append.ackTimeoutMs))) {
      decision = await this.index.decideDelete(ref);
    }
    switch (decision.kind) {
      case 'rebuilding':
        return this.directory.throwRebuilding();
      case 'missing':
      case 'not_found':
        throw ApiError.notFound(ref.conversationId);
      case 'already':
        return;
      case 'deleting':
        await this.publishOr503(conversationDeleted(ref, decision.lastSeq, decision.epoch));
        if ((await this.index.settle(decision.pendingMember, decision.epoch)) === 'fenced') {
          throw ApiError.outcomeUnknown();
        }
    }
  }

  private async view(record: Parameters<typeof toConversationView>[0]): Promise<ConversationView> {
    return toConversationView(record, await this.projection.archivedSeq(record.ref));
  }

  private async publishOr503(event: Parameters<EventPublisher['publish']>[0]): Promise<void> {
    try {
      await this.publisher.publish(event, this.config.append.ackTimeoutMs);
    } catch {
      throw ApiError.unavailable('kafka_unavailable', 'The event log did not acknowledge in time; retry', 1);
    }
  }
}
