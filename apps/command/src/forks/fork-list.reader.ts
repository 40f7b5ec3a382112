import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConversationRef } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { ForkList } from './fork.dto';

interface ForkSqlRow {
  id: string;
  forked_at_seq: string;
  created_at: Date;
  /** created_at as Postgres prints it, microseconds included: the exact keyset position. */
  position: string;
}

/**
 * A conversation's forks from the projection, oldest first by (created_at, id),
 * a page at a time; the cursor is the last row's exact position.
 */
@Injectable()
export class ForkListReader {
  constructor(private readonly dataSource: DataSource) {}

  async page(parent: ConversationRef, limit: number, cursor: string | undefined): Promise<ForkList> {
    const after = cursor === undefined ? null : decodeCursor(cursor);
    const rows = await this.dataSource.query<ForkSqlRow[]>(
      `SELECT id, forked_at_seq, created_at, created_at::text AS position
       FROM conversations
       WHERE tenant_id = $1 AND parent_conversation_id = $2
         AND ($3::timestamptz IS NULL OR (created_at, id) > ($3::timestamptz, $4::text))
       ORDER BY created_at, id
       LIMIT $5`,
      [parent.tenantId, parent.conversationId, after?.position ?? null, after?.id ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      forks: page.map((row) => ({
        conversation_id: row.id,
        at_seq: Number(row.forked_at_seq),
        created_at: row.created_at.toISOString(),
      })),
      next_cursor: rows.length > limit && last ? encodeCursor(last.position, last.id) : null,
    };
  }
}

function encodeCursor(position: string, id: string): string {
  return Buffer.from(JSON.stringify([position, id])).toString('base64url');
}

/** Postgres's text form of a timestamptz (ISO style), the only position a cursor may hold. */
const POSITION_PATTERN = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

function decodeCursor(cursor: string): { position: string; id: string } {
  const decoded = parseJson(Buffer.from(cursor, 'base64url').toString());
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [position, id] = decoded as unknown[];
    if (typeof position === 'string' && typeof id === 'string' && POSITION_PATTERN.test(position)) {
      return { position, id };
    }
  }
  throw ApiError.badRequest('invalid_cursor', 'cursor: not a cursor this list returned');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
