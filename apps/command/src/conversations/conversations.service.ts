import { Inject, Injectable } from '@nestjs/common';
import type { ConversationRef, CreatorPrincipal, Participant } from '@threadline/contracts';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { conversationCreated, conversationDeleted } from '../event-log/event-factory';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { canonicalParticipants, ConversationRecord } from '../head-index/conversation-record';
import { CreateHeader, HeadIndexService } from '../head-index/head-index.service';
import { ProjectionLookupService } from '../head-index/projection-lookup.service';
import { ApiError } from '@threadline/errors';
import { checkMetadataLimit } from '../messages/message-limits';
import { TenantConversationQuota } from '../tenant-limits/tenant-conversation-quota';
import { ConversationParticipantsService } from './conversation-participants.service';
import { ConversationView, toConversationView, UpsertConversationDto } from './conversation.dto';

@Injectable()
export class ConversationsService {
  constructor(
    private readonly index: HeadIndexService,
    private readonly directory: ConversationDirectory,
    private readonly publisher: EventPublisher,
    private readonly projection: ProjectionLookupService,
    private readonly quota: TenantConversationQuota,
    private readonly participantsService: ConversationParticipantsService,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  /**
   * Creates the conversation, or returns the existing one with its metadata
   * unchanged and, when `participants` is given and differs, the new list. The
   * create (recording `creator`, the caller) is acknowledged once its event is durable; until then the conversation
   * does not exist for reads or appends, and a retried PUT produces the event again
   * (consumers keep the first `conversation.created`).
   */
  async upsert(
    ref: ConversationRef,
    dto: UpsertConversationDto,
    creator: CreatorPrincipal | null,
  ): Promise<ConversationView> {
    const metadata = dto.metadata ?? {};
    checkMetadataLimit(metadata, this.config.limits, 'metadata');
    const participants = dto.participants && canonicalParticipants(dto.participants);
    if (dto.participants) {
      await this.participantsService.checkAgentsRegistered(ref.tenantId, dto.participants);
    }
    const existing = await this.directory.find(ref, this.config.append.ackTimeoutMs);
    if (existing?.created) {
      if (participants) {
        await this.participantsService.replace(existing.ref, participants);
        return this.get(ref);
      }
      return this.view(existing);
    }
    return this.view(await this.create(ref, metadata, participants ?? [], { title: null, creator }));
  }

  /**
   * Creates a conversation that is not created yet (or completes a create whose
   * event was not acknowledged: the pending record is produced again, as it was
   * first decided). Acknowledged once the event is durable.
   */
  async create(
    ref: ConversationRef,
    metadata: Record<string, unknown>,
    participants: Participant[],
    header: CreateHeader,
  ): Promise<ConversationRecord> {
    await this.quota.checkRoomFor(ref.tenantId);
    const pending = await this.index.create(ref, metadata, participants, header);
    if (pending.kind === 'rebuilding') {
      return this.directory.throwRebuilding();
    }
    const { record } = pending;
    await this.publishOr503(
      conversationCreated(ref, record.metadata, record.participants, pending.epoch, {
        title: record.title,
        creator: record.creator,
      }),
    );
    if ((await this.index.confirmCreate(ref, pending.epoch)) === 'fenced') {
      throw ApiError.outcomeUnknown();
    }
    return { ...record, created: true };
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
