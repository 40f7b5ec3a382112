import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '@threadline/auth';
import { ConversationListReader, ListedConversation } from '@threadline/persistence';
import type { ConversationView } from '../conversations/conversation.dto';
import type { SessionView } from '../sessions/session.dto';
import { encodeListCursor, ListRequest } from './list-query';
import { conversationListSchema, sessionListSchema } from './list-views';

export type SessionListView = z.infer<typeof sessionListSchema>;
export type ConversationListView = z.infer<typeof conversationListSchema>;

/**
 * The listing of a tenant's conversations, as sessions or as conversations: read
 * from the projection, so a conversation appears once the projector has its
 * create, and shows the header and last_seq the projector last applied. A token
 * pinned to one conversation lists only that one.
 */
@Injectable()
export class ConversationListingService {
  constructor(private readonly reader: ConversationListReader) {}

  async sessions(principal: Principal, request: ListRequest): Promise<SessionListView> {
    const page = await this.page(principal, request);
    return { sessions: page.conversations.map(sessionViewOf), next_cursor: page.nextCursor };
  }

  async conversations(principal: Principal, request: ListRequest): Promise<ConversationListView> {
    const page = await this.page(principal, request);
    return { conversations: page.conversations.map(conversationViewOf), next_cursor: page.nextCursor };
  }

  private async page(principal: Principal, request: ListRequest) {
    const page = await this.reader.page({
      tenantId: principal.tenantId,
      only: principal.conversationId ?? null,
      ...request,
    });
    return { conversations: page.conversations, nextCursor: page.next && encodeListCursor(page.next) };
  }
}

function sessionViewOf(row: ListedConversation): SessionView {
  return {
    id: row.id,
    title: row.title,
    metadata: row.metadata,
    last_seq: row.lastSeq,
    version: row.headerVersion,
    archived: row.archived,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    creator_principal: row.creator,
  };
}

function conversationViewOf(row: ListedConversation): ConversationView {
  return {
    id: row.id,
    version: row.lastSeq,
    tombstoned: false,
    last_seq: row.lastSeq,
    archived_seq: row.archivedSeq,
    metadata: row.metadata,
    participants: row.participants,
    parent: row.parent && { conversation_id: row.parent.conversationId, at_seq: row.parent.atSeq },
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
