/** Characters (code points) of the last message's first text part an inbox entry shows. */
export const INBOX_PREVIEW_CHARS = 140;

/** One conversation of a participant's inbox, as REST (`GET .../inbox`) and live deltas (`inbox_delta`) show it. */
export interface InboxEntry {
  id: string;
  /** Messages after `read_seq` not sent by the participant (tombstones never count). */
  unread_count: number;
  /** Highest seq projected (message or tombstone). */
  last_seq: number;
  /** When the last message was appended (the conversation's creation while it has none). */
  last_activity_at: string;
  /** The actor (`<type>:<id>`) of the last message; null while there is none or it predates actors. */
  last_sender: string | null;
  /** The last message's first text part, at most INBOX_PREVIEW_CHARS code points; null without one. */
  preview: string | null;
  /** The participant's read cursor (0 until it reads). */
  read_seq: number;
}

/** The row the inbox statement returns for one conversation. */
export interface InboxSqlRow {
  conversation_id: string;
  unread_count: string;
  last_seq: string;
  activity: Date;
  /** `activity` as Postgres prints it: microseconds kept, for the page cursor. */
  activity_text: string;
  last_sender: string | null;
  last_parts: unknown;
  read_seq: string | null;
}

export function toInboxEntry(row: InboxSqlRow): InboxEntry {
  return {
    id: row.conversation_id,
    unread_count: Number(row.unread_count),
    last_seq: Number(row.last_seq),
    last_activity_at: row.activity.toISOString(),
    last_sender: row.last_sender,
    preview: previewOf(row.last_parts),
    read_seq: row.read_seq === null ? 0 : Number(row.read_seq),
  };
}

/** The first text part of a message's parts, cut to INBOX_PREVIEW_CHARS code points (never inside a surrogate pair). */
export function previewOf(parts: unknown): string | null {
  if (!Array.isArray(parts)) {
    return null;
  }
  for (const part of parts as unknown[]) {
    if (typeof part === 'object' && part !== null) {
      const { type, text } = part as { type?: unknown; text?: unknown };
      if (type === 'text' && typeof text === 'string') {
        return Array.from(text).slice(0, INBOX_PREVIEW_CHARS).join('');
      }
    }
  }
  return null;
}
