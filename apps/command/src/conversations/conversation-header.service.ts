import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ConversationRef } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { conversationUpdated } from '../event-log/event-factory';
import { EventPublisher } from '../event-log/event-publisher';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { ConversationRecord } from '../head-index/conversation-record';
import { ConversationHeader, HeadIndexService } from '../head-index/head-index.service';
import { checkMetadataLimit } from '../messages/message-limits';

/** The header fields an update sets, computed from the header it is decided against. */
export type HeaderChange = (record: ConversationRecord) => Omit<ConversationHeader, 'version'>;

const ATTEMPTS = 4;

/**
 * Changes a conversation's header (title, metadata, archived) with a
 * `conversation.updated` event carrying the whole new header at the next header
 * version. The change is computed from the header as the index holds it and
 * decided against that version: one update in flight per conversation (else 503
 * index_busy), a header changed meanwhile is read again and the change recomputed,
 * or, with `expectedVersion`, answered 409 expected_version_conflict. The update
 * counts once Kafka has the event and its index epoch is still trusted. A change
 * that leaves the header as it is writes nothing.
 */
@Injectable()
export class ConversationHeaderService {
  constructor(
    private readonly index: HeadIndexService,
    private readonly directory: ConversationDirectory,
    private readonly publisher: EventPublisher,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  async update(ref: ConversationRef, change: HeaderChange, expectedVersion?: number): Promise<ConversationRecord> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const record = await this.directory.find(ref, this.config.append.ackTimeoutMs);
      if (!record?.created) {
        throw ApiError.notFound(ref.conversationId);
      }
      if (record.tombstoned) {
        throw ApiError.tombstoned();
      }
      if (expectedVersion !== undefined && expectedVersion !== record.headerVersion) {
        throw versionConflict(expectedVersion, record.headerVersion);
      }
      const next = change(record);
      checkMetadataLimit(next.metadata, this.config.limits, 'metadata');
      if (sameHeader(record, next)) {
        return record;
      }
      const header = { ...next, version: record.headerVersion + 1 };
      const token = randomUUID();
      const decision = await this.index.beginUpdate(
        ref,
        record.headerVersion,
        token,
        2 * this.config.append.ackTimeoutMs,
      );
      switch (decision.kind) {
        case 'rebuilding':
          return this.directory.throwRebuilding();
        case 'missing':
        case 'stale':
          continue;
        case 'not_found':
          throw ApiError.notFound(ref.conversationId);
        case 'tombstoned':
          throw ApiError.tombstoned();
        case 'busy':
          throw busy();
        case 'ok': {
          const published = await this.publisher
            .publish(
              conversationUpdated(ref, { ...header, previous_archived: record.archived }, decision.epoch),
              this.config.append.ackTimeoutMs,
            )
            .then(
              () => true,
              () => false,
            );
          const confirmation = await this.index.finishUpdate(ref, header, token, decision.epoch, published);
          if (!published) {
            throw ApiError.unavailable('kafka_unavailable', 'The event log did not acknowledge in time; retry', 1);
          }
          if (confirmation === 'fenced') {
            throw ApiError.outcomeUnknown();
          }
          const { version, ...fields } = header;
          return { ...record, ...fields, headerVersion: version, updatedAt: new Date() };
        }
      }
    }
    throw busy();
  }
}

function sameHeader(record: ConversationRecord, next: Omit<ConversationHeader, 'version'>): boolean {
  return (
    record.title === next.title &&
    record.archived === next.archived &&
    JSON.stringify(record.metadata) === JSON.stringify(next.metadata)
  );
}

function versionConflict(expected: number, current: number): ApiError {
  return new ApiError(
    HttpStatus.CONFLICT,
    'expected_version_conflict',
    `Expected version ${expected}, current version is ${current}`,
    { current_version: current },
  );
}

function busy(): ApiError {
  return ApiError.unavailable('index_busy', 'Another header update of this conversation is in flight; retry', 1);
}
