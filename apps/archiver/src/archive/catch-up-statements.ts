import type { ConversationRef } from '@threadline/contracts';
import { Statement } from '@threadline/persistence';

/** The archived_seq of each of `conversations` that has a row. */
export function archivedSeqsOf(conversations: readonly ConversationRef[]): Statement {
  return {
    sql: `SELECT tenant_id, id, archived_seq FROM conversations
          WHERE (tenant_id, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    params: [conversations.map((c) => c.tenantId), conversations.map((c) => c.conversationId)],
  };
}

/**
 * One page of the sweep over every conversation, in primary-key order (tenant,
 * id) after `after`: each conversation, and whether its archived_seq is below its
 * last_seq. A primary-key range scan, so a pass costs the page, not the table.
 */
export function sweepPage(after: ConversationRef, limit: number): Statement {
  return {
    sql: `SELECT tenant_id, id, archived_seq < last_seq AS behind FROM conversations
          WHERE (tenant_id, id) > ($1, $2) ORDER BY tenant_id, id LIMIT $3`,
    params: [after.tenantId, after.conversationId, limit],
  };
}
