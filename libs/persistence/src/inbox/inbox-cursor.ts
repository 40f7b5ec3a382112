/** Where an inbox page ends: the last entry's activity (Postgres text, microseconds kept) and id. */
export interface InboxCursor {
  activity: string;
  id: string;
}

/** Opaque to clients: base64url of `[activity, id]`. */
export function encodeInboxCursor(cursor: InboxCursor): string {
  return Buffer.from(JSON.stringify([cursor.activity, cursor.id])).toString('base64url');
}

/** Null for anything `encodeInboxCursor` did not make (the caller answers 400 invalid_cursor). */
export function decodeInboxCursor(value: string): InboxCursor | null {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      typeof decoded[0] === 'string' &&
      typeof decoded[1] === 'string' &&
      !Number.isNaN(Date.parse(decoded[0]))
    ) {
      return { activity: decoded[0], id: decoded[1] };
    }
  } catch {
    return null;
  }
  return null;
}
