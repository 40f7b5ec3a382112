import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ParticipantKind } from '@threadline/contracts';
import { InboxCursor } from './inbox-cursor';
import { InboxEntry, InboxSqlRow, toInboxEntry } from './inbox-entry';

/** Whose inbox: a participant of a tenant, as one kind (its own credential) or every kind (`null`, a service). */
export interface InboxOwner {
  tenantId: string;
  participantId: string;
  kind: ParticipantKind | null;
}

export interface InboxPage {
  entries: InboxEntry[];
  /** Where the next page starts; null on the last page. */
  next: InboxCursor | null;
}

/*
 * One statement. `page` walks the participant's rows of conversation_participants
 * (index conversation_participants_by_participant), joins each conversation by its
 * primary key, drops deleted conversations, and keeps the page's rows in activity
 * order (a top-N sort over the participant's conversations). Only then, for the
 * page's rows alone, it probes read_cursors by primary key, takes the last message
 * by a backward scan of the messages primary key, and counts the unread messages
 * by a range scan of that key above the read cursor: the cost is one index walk of
 * the participant's conversations plus, per entry shown, its unread messages.
 */
const INBOX_SQL = `
  WITH page AS (
    SELECT cp.conversation_id, cp.kind, c.last_seq, COALESCE(c.last_message_at, c.created_at) AS activity
    FROM conversation_participants AS cp
    JOIN conversations AS c ON c.tenant_id = cp.tenant_id AND c.id = cp.conversation_id
    WHERE cp.tenant_id = $1 AND cp.participant_id = $2
      AND ($3::text IS NULL OR cp.kind = $3::text)
      AND ($7::text[] IS NULL OR cp.conversation_id = ANY($7::text[]))
      AND NOT c.tombstoned
      AND ($4::timestamptz IS NULL
           OR (COALESCE(c.last_message_at, c.created_at), cp.conversation_id) < ($4::timestamptz, $5::text))
    ORDER BY activity DESC, cp.conversation_id DESC
    LIMIT $6
  )
  SELECT p.conversation_id, p.last_seq, p.activity, p.activity::text AS activity_text, rc.read_seq,
         last.actor AS last_sender, last.parts AS last_parts, unread.n AS unread_count
  FROM page AS p
  LEFT JOIN read_cursors AS rc
    ON rc.tenant_id = $1 AND rc.conversation_id = p.conversation_id AND rc.participant_id = $2
  LEFT JOIN LATERAL (
    SELECT m.actor, m.parts FROM messages AS m
    WHERE m.tenant_id = $1 AND m.conversation_id = p.conversation_id AND m.kind = 'message'
    ORDER BY m.seq DESC LIMIT 1
  ) AS last ON true
  CROSS JOIN LATERAL (
    SELECT count(*) AS n FROM messages AS m
    WHERE m.tenant_id = $1 AND m.conversation_id = p.conversation_id AND m.seq > COALESCE(rc.read_seq, 0)
      AND m.kind = 'message'
      AND m.actor IS DISTINCT FROM (CASE p.kind WHEN 'system' THEN 'service' ELSE p.kind END) || ':' || $2
  ) AS unread
  ORDER BY p.activity DESC, p.conversation_id DESC`;

/** Reads participants' inboxes from the projection and the read cursors (command REST and realtime deltas). */
@Injectable()
export class InboxReader {
  constructor(private readonly dataSource: DataSource) {}

  /** A page of the inbox, newest activity first, after `cursor`. */
  async page(owner: InboxOwner, cursor: InboxCursor | null, limit: number): Promise<InboxPage> {
    const rows = await this.query(owner, cursor, limit + 1, null);
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    return {
      entries: shown.map(toInboxEntry),
      next: rows.length > limit && last ? { activity: last.activity_text, id: last.conversation_id } : null,
    };
  }

  /** The inbox entries of the given conversations (those the participant is in), newest activity first. */
  async entries(owner: InboxOwner, conversationIds: readonly string[]): Promise<InboxEntry[]> {
    const rows = await this.query(owner, null, conversationIds.length, conversationIds);
    return rows.map(toInboxEntry);
  }

  private query(
    owner: InboxOwner,
    cursor: InboxCursor | null,
    limit: number,
    conversationIds: readonly string[] | null,
  ): Promise<InboxSqlRow[]> {
    return this.dataSource.query<InboxSqlRow[]>(INBOX_SQL, [
      owner.tenantId,
      owner.participantId,
      owner.kind,
      cursor?.activity ?? null,
      cursor?.id ?? null,
      limit,
      conversationIds,
    ]);
  }
}
