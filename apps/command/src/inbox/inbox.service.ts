import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inboxView, Principal, principalParticipant } from '@threadline/auth';
import type { ConversationRef } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { decodeInboxCursor, encodeInboxCursor, InboxReader, runStatement } from '@threadline/persistence';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { InboxPageView, InboxQuery, ReadCursorView } from './inbox.dto';
import { raiseReadCursor, ReadCursorSqlRow } from './read-cursor-statements';

/** Read cursors (written here, in Postgres) and inboxes (read from the projection and the cursors). */
@Injectable()
export class InboxService {
  constructor(
    private readonly directory: ConversationDirectory,
    private readonly dataSource: DataSource,
    private readonly inboxes: InboxReader,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  /**
   * Raises the caller's read cursor: the caller is the participant its subject
   * names (participantSubject). 404 for a conversation the tenant does not have,
   * 400 for a seq past the conversation's last seq (the head index's, so a seq
   * just acknowledged counts), 403 not_a_participant for a caller neither the head
   * index (participants a PUT just named) nor the projection lists as a participant.
   */
  async markRead(principal: Principal, ref: ConversationRef, seq: number): Promise<ReadCursorView> {
    const record = await this.directory.find(ref, this.config.append.ackTimeoutMs);
    if (!record?.created) {
      throw ApiError.notFound(ref.conversationId);
    }
    if (seq > record.version) {
      throw ApiError.badRequest('bad_request', `seq: must be at most the conversation's last seq ${record.version}`);
    }
    const participant = principalParticipant(principal);
    const listed = record.participants.some((p) => p.id === participant.id && p.kind === participant.kind);
    const [row] = await runStatement<ReadCursorSqlRow[]>(
      this.dataSource.manager,
      raiseReadCursor(ref, participant, seq, listed),
    );
    if (!row) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'not_a_participant',
        `${principal.subject} is not a participant of conversation ${ref.conversationId}`,
      );
    }
    return {
      conversation_id: ref.conversationId,
      participant_id: participant.id,
      read_seq: Number(row.read_seq),
      updated_at: row.updated_at.toISOString(),
    };
  }

  /** A page of a participant's inbox, if the caller may read it (inboxView: its own, or any for a service). */
  async inbox(principal: Principal, participantId: string, query: InboxQuery): Promise<InboxPageView> {
    const view = inboxView(principal, participantId);
    const cursor = query.cursor === undefined ? null : decodeInboxCursor(query.cursor);
    if (query.cursor !== undefined && cursor === null) {
      throw ApiError.badRequest('invalid_cursor', 'cursor: not a cursor this API returned');
    }
    const page = await this.inboxes.page(
      { tenantId: principal.tenantId, participantId, kind: view.kind === 'any' ? null : view.kind },
      cursor,
      query.limit,
    );
    return { conversations: page.entries, next_cursor: page.next === null ? null : encodeInboxCursor(page.next) };
  }
}
