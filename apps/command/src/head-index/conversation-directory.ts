import { Injectable, Logger } from '@nestjs/common';
import { EventPublisher } from '../event-log/event-publisher';
import { messageTombstoned } from '../event-log/event-factory';
import { ApiError } from '@threadline/errors';
import { ConversationRecord } from './conversation-record';
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
  async find(id: string, ackTimeoutMs: number): Promise<ConversationRecord | null> {
    const result = await this.index.read(id);
    const record = this.unlessRebuilding(result);
    if (record) {
      return record;
    }
    return (await this.hydrate(id, ackTimeoutMs)) ? this.unlessRebuilding(await this.index.read(id)) : null;
  }

  /** Loads a conversation the index lost from the projection; false if the projection has none either. */
  async hydrate(id: string, ackTimeoutMs: number): Promise<boolean> {
    const row = await this.projection.findConversation(id);
    if (!row) {
      return false;
    }
    if (row.messageCount + row.tombstoneCount < row.lastSeq) {
      const epoch = (await this.index.trustedEpoch()) ?? this.throwRebuilding();
      const missing = await this.projection.missingSeqs(id, row.archivedSeq, row.lastSeq);
      this.logger.warn(`conversation ${id}: tombstoning ${missing.length} seqs the lost index reserved`);
      await Promise.all(
        missing.map((seq) => this.publisher.publish(messageTombstoned(id, seq, 'index_rebuilt', epoch), ackTimeoutMs)),
      ).catch(() => {
        throw ApiError.unavailable('kafka_unavailable', 'The event log is unavailable; retry shortly', 1);
      });
    }
    const hydrated = await this.index.hydrate({
      id,
      created: true,
      version: row.lastSeq,
      tombstoned: row.tombstoned,
      metadata: row.metadata,
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
