import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConversationRef } from '@threadline/contracts';
import { ArchiveReader } from '../archive/archive-reader';
import type { MessageRow } from '../entities/message.entity';
import { messageRowFromSql, MESSAGE_COLUMNS, MessageSqlRow } from './message-sql-row';

/** Seqs `from..to` (both inclusive; `to` unbounded when absent), ascending, at most `limit`. */
export interface SeqWindow {
  from: number;
  to?: number;
  limit: number;
}

/** What a window read found; `found: false` when the projection has no such conversation. */
export interface LogWindow {
  found: boolean;
  messages: MessageRow[];
  /** How many of `messages` came from the archive. */
  fromArchive: number;
}

/** The archive could not serve seqs retention has trimmed from Postgres (store down, object missing). */
export class ArchiveUnavailableError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'ArchiveUnavailableError';
  }
}

/** One result row: the conversation's archived_seq, with one message or, when the window holds none, nulls. */
type WindowSqlRow = { archived_seq: string } & (MessageSqlRow | { [K in keyof MessageSqlRow]: null });

/**
 * A conversation's log as one seq-addressed sequence, wherever each entry is
 * stored: hot rows from Postgres and, for seqs retention has trimmed, the archive.
 * The hot rows and `archived_seq` come from one statement (one snapshot), so a
 * seq missing from Postgres but at or below `archived_seq` is one retention
 * trimmed before that snapshot, and the archive holds it; a missing seq above
 * it is simply not projected yet. Both stores apply the same first-event-per-seq
 * rule, so an entry reads the same from either.
 */
@Injectable()
export class MessageLogReader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly archive: ArchiveReader,
  ) {}

  async read(ref: ConversationRef, window: SeqWindow): Promise<LogWindow> {
    const to = window.to ?? Number.MAX_SAFE_INTEGER;
    const rows = await this.dataSource.query<WindowSqlRow[]>(
      `SELECT c.archived_seq, ${MESSAGE_COLUMNS.map((column) => `m.${column}`).join(', ')}
       FROM conversations c
       LEFT JOIN LATERAL (
         SELECT * FROM messages
         WHERE tenant_id = c.tenant_id AND conversation_id = c.id AND seq BETWEEN $3 AND $4
         ORDER BY seq
         LIMIT $5
       ) m ON true
       WHERE c.tenant_id = $1 AND c.id = $2
       ORDER BY m.seq`,
      [ref.tenantId, ref.conversationId, window.from, to, window.limit],
    );
    if (rows.length === 0) {
      return { found: false, messages: [], fromArchive: 0 };
    }
    const archivedSeq = Number(rows[0].archived_seq);
    const hot = rows.filter((row): row is WindowSqlRow & MessageSqlRow => row.seq !== null).map(messageRowFromSql);
    const upper = Math.min(archivedSeq, hot.length === window.limit ? hot[hot.length - 1].seq : to);
    const missing = missingSeqs(hot, window.from, upper);
    if (missing === null) {
      return { found: true, messages: hot, fromArchive: 0 };
    }
    const held = new Set(hot.map((m) => m.seq));
    const archived = await this.archive
      .readRange(ref, missing.first, missing.last, window.limit)
      .catch((error: unknown) => {
        throw new ArchiveUnavailableError(error);
      });
    const cold = archived.filter((m) => !held.has(m.seq));
    const messages = [...hot, ...cold].sort((a, b) => a.seq - b.seq).slice(0, window.limit);
    return { found: true, messages, fromArchive: messages.filter((m) => !held.has(m.seq)).length };
  }
}

/** The first and last seq of `from..upper` that `hot` (ascending) lacks; null when it lacks none. */
export function missingSeqs(
  hot: readonly MessageRow[],
  from: number,
  upper: number,
): { first: number; last: number } | null {
  let first: number | null = null;
  let last: number | null = null;
  let expected = from;
  for (const message of hot) {
    if (expected > upper) {
      break;
    }
    if (message.seq > expected) {
      first ??= expected;
      last = Math.min(message.seq - 1, upper);
    }
    expected = message.seq + 1;
  }
  if (expected <= upper) {
    first ??= expected;
    last = upper;
  }
  return first === null || last === null ? null : { first, last };
}
