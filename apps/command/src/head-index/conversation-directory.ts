import { Injectable, Logger } from '@nestjs/common';
import type { ConversationRef } from '@threadline/contracts';
import { EventPublisher } from '../event-log/event-publisher';
import { messageTombstoned } from '../event-log/event-factory';
import { ApiError } from '@threadline/errors';
import { canonicalParticipants, ConversationRecord } from './conversation-record';
import { HeadIndexService, ReadResult } from './head-index.service';
import { IndexRebuildService } from './index-rebuild.service';
import { ProjectionLookupService } from './projection-lookup.service';

/**
 * Finds a conversation's record in the head index, loading it from the projection
 * when the index does not have it (after a Redis loss). Loading also explains the
 * holes the lost index can no longer account for, with tombstones.
 */
@Injectable()
export class ConversationDirectory {
  private readonly logger = new Logger(ConversationDirectory.name);

  constructor(
    private readonly index: HeadIndexService,
    private readonly projection: ProjectionLookupService,
    private readonly publisher: EventPublisher,
    private readonly rebuild: IndexRebuildService,
  ) {}

  /** The record, or null if the conversation exists nowhere. */
  async find(ref: ConversationRef, ackTimeoutMs: number): Promise<ConversationRecord | null> {
    const result = await this.index.read(ref);
    const record = this.unlessRebuilding(result);
    if (record) {
      return record;
    }
    return (await this.hydrate(ref, ackTimeoutMs)) ? this.unlessRebuilding(await this.index.read(ref)) : null;
  }

  /**
   * Loads a conversation the index lost from the projection; false if the projection has none either,
   * or only a fork whose copy of its parent is not complete (its retried fork completes it).
   */
  async hydrate(ref: ConversationRef, ackTimeoutMs: number): Promise<boolean> {
    const row = await this.projection.findConversation(ref);
    if (!row || (row.forkedAtSeq !== null && row.lastSeq < row.forkedAtSeq)) {
      return false;
    }
    if (row.messageCount + row.tombstoneCount < row.lastSeq) {
      const epoch = (await this.index.trustedEpoch()) ?? this.throwRebuilding();
      const missing = await this.projection.missingSeqs(ref, row.archivedSeq, row.lastSeq);
      this.logger.warn(
        `conversation ${ref.conversationId} of tenant ${ref.tenantId}: tombstoning ${missing.length} seqs the lost index reserved`,
      );
      await Promise.all(
        missing.map((seq) => this.publisher.publish(messageTombstoned(ref, seq, 'index_rebuilt', epoch), ackTimeoutMs)),
      ).catch(() => {
        throw ApiError.unavailable('kafka_unavailable', 'The event log is unavailable; retry shortly', 1);
      });
    }
    const hydrated = await this.index.hydrate({
      ref,
      created: true,
      version: row.lastSeq,
      tombstoned: row.tombstoned,
      metadata: row.metadata,
      participants: canonicalParticipants(await this.projection.participants(ref)),
      title: row.title,
      archived: row.archived,
      headerVersion: row.headerVersion,
      creator: row.creator,
      parent:
        row.parentConversationId === null || row.forkedAtSeq === null
          ? null
          : { conversationId: row.parentConversationId, atSeq: row.forkedAtSeq },
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
    if (!hydrated) {
      this.throwRebuilding();
    }
    return true;
  }

  unlessRebuilding(result: ReadResult): ConversationRecord | null {
    if (result.kind === 'rebuilding') {
      this.throwRebuilding();
    }
    return result.kind === 'ok' ? result.record : null;
  }

  throwRebuilding(): never {
    this.rebuild.start();
    throw ApiError.unavailable('index_rebuilding', 'The head index is being rebuilt; retry shortly', 1);
  }
}
