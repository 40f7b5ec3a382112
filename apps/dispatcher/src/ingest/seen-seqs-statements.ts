import { Statement } from '@threadline/persistence';
import { PairConversation } from './ingest-statements';

export interface SeenSeqsRow {
  tenant_id: string;
  conversation_id: string;
  contiguous_seq: string;
  ahead: string[];
}

/** The stored seen seqs of these conversations, locked for the chunk's transaction. */
export function lockSeenSeqs(conversations: readonly PairConversation[]): Statement {
  return {
    sql: `SELECT tenant_id, conversation_id, contiguous_seq, ahead FROM dispatch_seqs
          WHERE (tenant_id, conversation_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
          FOR UPDATE`,
    params: [conversations.map((c) => c.tenantId), conversations.map((c) => c.conversationId)],
  };
}

export interface SeenSeqsState extends PairConversation {
  contiguous: number;
  ahead: number[];
}

/** Stores the seen seqs of these conversations, created or replaced. */
export function storeSeenSeqs(states: readonly SeenSeqsState[]): Statement {
  return {
    sql: `INSERT INTO dispatch_seqs (tenant_id, conversation_id, contiguous_seq, ahead)
          SELECT r.tenant_id, r.conversation_id, r.contiguous, ARRAY(SELECT jsonb_array_elements_text(r.ahead)::bigint)
          FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, conversation_id text, contiguous bigint, ahead jsonb)
          ON CONFLICT (tenant_id, conversation_id)
            DO UPDATE SET contiguous_seq = EXCLUDED.contiguous_seq, ahead = EXCLUDED.ahead`,
    params: [
      JSON.stringify(
        states.map((s) => ({
          tenant_id: s.tenantId,
          conversation_id: s.conversationId,
          contiguous: s.contiguous,
          ahead: s.ahead,
        })),
      ),
    ],
  };
}

/** Removes the seen seqs of these conversations (deleted, every seq through their last seen). */
export function removeSeenSeqs(conversations: readonly PairConversation[]): Statement {
  return {
    sql: `DELETE FROM dispatch_seqs
          WHERE (tenant_id, conversation_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    params: [conversations.map((c) => c.tenantId), conversations.map((c) => c.conversationId)],
  };
}
