import { SecretBox } from '@threadline/auth';
import { ClaimedSqlRow } from './delivery-statements';

/** A delivery this instance claimed: an attempt to make, or a reply to append. */
export interface ClaimedDelivery {
  id: string;
  tenantId: string;
  agentId: string;
  conversationId: string;
  firstSeq: number;
  lastSeq: number;
  messages: unknown[];
  status: 'pending' | 'replying';
  /** For a pending delivery, the attempt this claim makes (1-based). */
  attempts: number;
  attemptsAllowed: number;
  reply: unknown[] | null;
  agent: {
    webhookUrl: string;
    headers: Record<string, string>;
    timeoutMs: number;
    historyMode: 'none' | 'tail' | 'entire';
    historyLimit: number | null;
    /** Opened signing secrets: the current one, and the previous one during its grace period. */
    secrets: string[];
  };
}

/** `<tenant>/<agent>`: how the worker, the circuits and the metrics name an agent. */
export function agentKey(delivery: { tenantId: string; agentId: string }): string {
  return `${delivery.tenantId}/${delivery.agentId}`;
}

export function claimedFromRow(row: ClaimedSqlRow, box: SecretBox, now: Date): ClaimedDelivery {
  const secrets = [box.open(row.signing_secret)];
  if (row.previous_signing_secret !== null && (row.previous_secret_expires_at?.getTime() ?? 0) > now.getTime()) {
    secrets.push(box.open(row.previous_signing_secret));
  }
  return {
    id: row.id,
    tenantId: row.tenant_id,
    agentId: row.agent_id,
    conversationId: row.conversation_id,
    firstSeq: Number(row.first_seq),
    lastSeq: Number(row.last_seq),
    messages: row.messages,
    status: row.status,
    attempts: row.status === 'pending' ? row.attempts + 1 : row.attempts,
    attemptsAllowed: row.attempts_allowed,
    reply: row.reply,
    agent: {
      webhookUrl: row.webhook_url,
      headers: row.headers,
      timeoutMs: row.timeout_ms,
      historyMode: row.history_mode,
      historyLimit: row.history_limit,
      secrets,
    },
  };
}
