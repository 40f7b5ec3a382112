/**
 * The Postgres NOTIFY channel a read cursor change is announced on (by the
 * command, in the statement that raises it, so only once committed); realtime
 * LISTENs to send the inbox delta. Payload: ReadCursorNotice as JSON.
 */
export const READ_CURSOR_CHANNEL = 'threadline_read_cursors';

export interface ReadCursorNotice {
  tenant_id: string;
  conversation_id: string;
  participant_id: string;
}

/** Null for a payload that is not a notice (never sent by the command). */
export function parseReadCursorNotice(payload: string | undefined): ReadCursorNotice | null {
  try {
    const value = JSON.parse(payload ?? '') as Partial<ReadCursorNotice> | null;
    return typeof value?.tenant_id === 'string' &&
      typeof value.conversation_id === 'string' &&
      typeof value.participant_id === 'string'
      ? { tenant_id: value.tenant_id, conversation_id: value.conversation_id, participant_id: value.participant_id }
      : null;
  } catch {
    return null;
  }
}
