import type { ConversationRef, Participant } from '@threadline/contracts';
import { READ_CURSOR_CHANNEL, Statement } from '@threadline/persistence';

export interface ReadCursorSqlRow {
  read_seq: string;
  updated_at: Date;
}

/**
 * Raises the participant's read cursor to `seq` (GREATEST: a lower seq leaves it
 * as it is) and returns the cursor in force, in one statement, only if the
 * participant is in the conversation as that kind: `listed` (the head index names
 * it, read-your-writes after a PUT) or the projection does. No row back means it is not.
 * A cursor it writes is announced on READ_CURSOR_CHANNEL (NOTIFY, delivered at
 * commit) for realtime's inbox deltas.
 */
export function raiseReadCursor(
  ref: ConversationRef,
  participant: Participant,
  seq: number,
  listed: boolean,
): Statement {
  return {
    sql: `WITH raised AS (
          INSERT INTO read_cursors AS rc (tenant_id, conversation_id, participant_id, read_seq, updated_at)
          SELECT $1, $2, $3, $5, now()
          WHERE $7::boolean OR EXISTS (SELECT 1 FROM conversation_participants AS cp
                        WHERE cp.tenant_id = $1 AND cp.conversation_id = $2 AND cp.participant_id = $3
                          AND cp.kind = $4)
          ON CONFLICT (tenant_id, conversation_id, participant_id) DO UPDATE SET
            read_seq = GREATEST(rc.read_seq, EXCLUDED.read_seq),
            updated_at = CASE WHEN EXCLUDED.read_seq > rc.read_seq THEN EXCLUDED.updated_at ELSE rc.updated_at END
          RETURNING read_seq, updated_at
          )
          SELECT read_seq, updated_at,
                 pg_notify($6, json_build_object('tenant_id', $1::text, 'conversation_id', $2::text,
                                                 'participant_id', $3::text)::text) AS notified
          FROM raised`,
    params: [ref.tenantId, ref.conversationId, participant.id, participant.kind, seq, READ_CURSOR_CHANNEL, listed],
  };
}
