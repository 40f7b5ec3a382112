import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ConversationEvent, ConversationRef } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ConversationView, toConversationView } from '../conversations/conversation.dto';
import { EventPublisher } from '../event-log/event-publisher';
import { conversationCreated } from '../event-log/event-factory';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { ConversationRecord, ForkParent } from '../head-index/conversation-record';
import { HeadIndexService } from '../head-index/head-index.service';
import { ProjectionLookupService } from '../head-index/projection-lookup.service';
import { checkMetadataLimit } from '../messages/message-limits';
import { ReadsService } from '../reads/reads.service';
import { TenantConversationQuota } from '../tenant-limits/tenant-conversation-quota';
import { copiedEvent } from './copied-event';
import { ForkList, ForkListQuery, ForkRequestDto } from './fork.dto';
import { ForkListReader } from './fork-list.reader';

/** How many of the parent's entries a fork reads and produces at a time. */
const COPY_PAGE = 500;

/**
 * Forks a conversation (docs/consistency.md, "Forks"): the fork's log is a copy of
 * its parent's seqs 1..at_seq, then its own appends from at_seq + 1.
 */
@Injectable()
export class ForksService {
  constructor(
    private readonly index: HeadIndexService,
    private readonly directory: ConversationDirectory,
    private readonly publisher: EventPublisher,
    private readonly reads: ReadsService,
    private readonly projection: ProjectionLookupService,
    private readonly quota: TenantConversationQuota,
    private readonly forkList: ForkListReader,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  /**
   * Decides the fork in the head index (pending, head = at_seq), produces its
   * `conversation.created` naming the parent and one event per parent seq, then
   * confirms it. Until confirmed the fork does not exist; a retried fork (same id,
   * parent and at_seq) produces everything again and consumers keep the first
   * event per seq, so an interrupted fork is completed by its retry.
   */
  async fork(parentRef: ConversationRef, dto: ForkRequestDto): Promise<ConversationView> {
    const parentRecord = await this.directory.find(parentRef, this.config.append.ackTimeoutMs);
    if (!parentRecord?.created) {
      throw ApiError.notFound(parentRef.conversationId);
    }
    if (dto.at_seq > parentRecord.version) {
      throw ApiError.badRequest(
        'bad_request',
        `at_seq: must be at most the parent's last seq (${parentRecord.version})`,
      );
    }
    const metadata = dto.metadata ?? parentRecord.metadata;
    checkMetadataLimit(metadata, this.config.limits, 'metadata');
    const ref: ConversationRef = { tenantId: parentRef.tenantId, conversationId: dto.id ?? randomUUID() };
    const parent: ForkParent = { conversationId: parentRef.conversationId, atSeq: dto.at_seq };
    const existing = await this.directory.find(ref, this.config.append.ackTimeoutMs);
    if (existing?.created) {
      return this.view(sameFork(existing, parent));
    }
    await this.checkNotProjectedAsOther(ref, parent);
    await this.quota.checkRoomFor(ref.tenantId);
    const decision = await this.index.fork(ref, metadata, parent);
    if (decision.kind === 'rebuilding') {
      return this.directory.throwRebuilding();
    }
    if (decision.kind === 'conflict') {
      throw conflict(ref);
    }
    if (decision.record.created) {
      return this.view(decision.record);
    }
    const { record, epoch } = decision;
    await this.publishAll([
      conversationCreated(ref, record.metadata, [], epoch, undefined, {
        parent_conversation_id: parent.conversationId,
        at_seq: parent.atSeq,
      }),
    ]);
    for (let from = 1; from <= parent.atSeq; from += COPY_PAGE) {
      const to = Math.min(from + COPY_PAGE - 1, parent.atSeq);
      const entries = await this.reads.settledWindow(parentRef, from, to);
      if (entries?.length !== to - from + 1) {
        throw ApiError.unavailable(
          'store_unavailable',
          `The parent's history through seq ${to} is not projected yet; retry the fork`,
          1,
        );
      }
      await this.publishAll(entries.map((entry) => copiedEvent(ref, entry, epoch)));
    }
    if ((await this.index.confirmCreate(ref, epoch)) === 'fenced') {
      throw ApiError.outcomeUnknown();
    }
    return this.view({ ...record, created: true });
  }

  /** The forks of a conversation of the caller's tenant (404 when it has none such). */
  async list(parentRef: ConversationRef, query: ForkListQuery): Promise<ForkList> {
    const parent = await this.directory.find(parentRef, this.config.append.ackTimeoutMs);
    if (!parent?.created) {
      throw ApiError.notFound(parentRef.conversationId);
    }
    return this.forkList.page(parentRef, query.limit, query.cursor);
  }

  /**
   * A fork the index does not hold may still be in the projection, half copied
   * (the index lost it): only the same fork may complete it.
   */
  private async checkNotProjectedAsOther(ref: ConversationRef, parent: ForkParent): Promise<void> {
    const row = await this.projection.findConversation(ref);
    if (row && (row.parentConversationId !== parent.conversationId || row.forkedAtSeq !== parent.atSeq)) {
      throw conflict(ref);
    }
  }

  private async view(record: ConversationRecord): Promise<ConversationView> {
    return toConversationView(record, await this.projection.archivedSeq(record.ref));
  }

  /** Produces the events in order (one conversation: one partition, one produce queue); 503 if Kafka does not take them all. */
  private async publishAll(events: ConversationEvent[]): Promise<void> {
    try {
      await Promise.all(events.map((event) => this.publisher.publish(event, this.config.append.ackTimeoutMs)));
    } catch {
      throw ApiError.unavailable('kafka_unavailable', 'The event log did not acknowledge in time; retry the fork', 1);
    }
  }
}

function sameFork(record: ConversationRecord, parent: ForkParent): ConversationRecord {
  if (record.parent?.conversationId !== parent.conversationId || record.parent.atSeq !== parent.atSeq) {
    throw conflict(record.ref);
  }
  return record;
}

function conflict(ref: ConversationRef): ApiError {
  return new ApiError(
    HttpStatus.CONFLICT,
    'conflict',
    `id: conversation ${ref.conversationId} exists and is not this fork (same parent and at_seq)`,
  );
}
