import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CreatorPrincipal, Participant } from '@threadline/contracts';

/** Where a listing page starts: after the conversation of this (created_at, id). */
export interface ListPosition {
  /** created_at as Postgres prints it in UTC, to the microsecond. */
  createdAt: string;
  id: string;
}

export interface ConversationListQuery {
  tenantId: string;
  /** null: archived and not archived alike. */
  archived: boolean | null;
  /** Exact matches on top-level metadata keys, all of them (containment: `metadata @> {...}`). */
  metadata: Record<string, string>;
  after: ListPosition | null;
  limit: number;
  /** Only this conversation (a token pinned to one); null: all of the tenant's. */
  only: string | null;
}

/** A listed conversation, as the projection has it. */
export interface ListedConversation {
  id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  participants: Participant[];
  lastSeq: number;
  archivedSeq: number;
  headerVersion: number;
  archived: boolean;
  creator: CreatorPrincipal | null;
  /** The conversation it was forked from and the seq it copies through; null when it is not a fork. */
  parent: { conversationId: string; atSeq: number } | null;
  createdAt: Date;
  updatedAt: Date;
  position: ListPosition;
}

export interface ConversationListPage {
  conversations: ListedConversation[];
  /** Where the next page starts; null when this page is the last. */
  next: ListPosition | null;
}

interface ListSqlRow {
  id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  participants: Participant[];
  last_seq: string;
  archived_seq: string;
  header_version: string;
  archived: boolean;
  creator: CreatorPrincipal | null;
  parent_conversation_id: string | null;
  forked_at_seq: string | null;
  created_at: Date;
  updated_at: Date;
  created_key: string;
}

/**
 * Lists a tenant's live (not deleted) conversations from the projection in
 * (created_at, id) order, a page at a time from a keyset position, so a page costs
 * the same at any depth and a conversation created meanwhile never shifts the
 * pages around it. Indexes: conversations_listing(_all) for the order, the GIN
 * conversations_metadata for the filters (migration 1765100000000-sessions).
 */
@Injectable()
export class ConversationListReader {
  constructor(private readonly dataSource: DataSource) {}

  async page(query: ConversationListQuery): Promise<ConversationListPage> {
    const params: unknown[] = [query.tenantId];
    const where = ['c.tenant_id = $1', 'NOT c.tombstoned'];
    if (query.only !== null) {
      params.push(query.only);
      where.push(`c.id = $${params.length}`);
    }
    if (query.archived !== null) {
      params.push(query.archived);
      where.push(`c.archived = $${params.length}`);
    }
    if (Object.keys(query.metadata).length > 0) {
      params.push(JSON.stringify(query.metadata));
      where.push(`c.metadata @> $${params.length}::jsonb`);
    }
    if (query.after !== null) {
      params.push(query.after.createdAt, query.after.id);
      where.push(`(c.created_at, c.id) > ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(query.limit + 1);
    const rows = await this.dataSource.query<ListSqlRow[]>(
      `SELECT c.id, c.title, c.metadata, c.last_seq, c.archived_seq, c.header_version, c.archived, c.creator,
              c.parent_conversation_id, c.forked_at_seq, c.created_at, c.updated_at,
              to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key,
              COALESCE((SELECT json_agg(json_build_object('id', p.participant_id, 'kind', p.kind)
                                        ORDER BY p.participant_id)
                        FROM conversation_participants AS p
                        WHERE p.tenant_id = c.tenant_id AND p.conversation_id = c.id), '[]') AS participants
       FROM conversations AS c
       WHERE ${where.join(' AND ')}
       ORDER BY c.created_at, c.id
       LIMIT $${params.length}`,
      params,
    );
    const conversations = rows.slice(0, query.limit).map(toListed);
    const more = rows.length > query.limit;
    return { conversations, next: more ? conversations[conversations.length - 1].position : null };
  }
}

function toListed(row: ListSqlRow): ListedConversation {
  return {
    id: row.id,
    title: row.title,
    metadata: row.metadata,
    participants: row.participants,
    lastSeq: Number(row.last_seq),
    archivedSeq: Number(row.archived_seq),
    headerVersion: Number(row.header_version),
    archived: row.archived,
    creator: row.creator,
    parent:
      row.parent_conversation_id === null || row.forked_at_seq === null
        ? null
        : { conversationId: row.parent_conversation_id, atSeq: Number(row.forked_at_seq) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    position: { createdAt: row.created_key, id: row.id },
  };
}
