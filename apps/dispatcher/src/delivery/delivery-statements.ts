import { Statement } from '@threadline/persistence';

/** A due delivery as claimed, with what an attempt needs of its agent. */
export interface ClaimedSqlRow {
  id: string;
  tenant_id: string;
  agent_id: string;
  conversation_id: string;
  first_seq: string;
  last_seq: string;
  messages: unknown[];
  status: 'pending' | 'replying';
  attempts: number;
  attempts_allowed: number;
  reply: unknown[] | null;
  webhook_url: string;
  headers: Record<string, string>;
  timeout_ms: number;
  history_mode: 'none' | 'tail' | 'entire';
  history_limit: number | null;
  signing_secret: string;
  previous_signing_secret: string | null;
  previous_secret_expires_at: Date | null;
}

/**
 * Locks up to `limit` due deliveries (pending or replying, next_attempt_at
 * passed) of enabled agents not in `excludedAgents` (`<tenant>/<agent>`: open
 * circuits, agents at their concurrency cap). Only the oldest unfinished
 * delivery of each (conversation, agent) is eligible, and only once the
 * dispatcher has seen every seq of the conversation up to the delivery's last
 * (dispatch_seqs: a lower seq that reaches the topic late still goes first), so
 * a pair is delivered strictly in seq order with one in flight; SKIP LOCKED
 * lets instances share the work.
 */
export function lockDue(excludedAgents: readonly string[], limit: number): Statement {
  return {
    sql: `SELECT d.id, d.tenant_id, d.agent_id, d.conversation_id, d.first_seq, d.last_seq, d.messages, d.status,
            d.attempts, d.attempts_allowed, d.reply, a.webhook_url, a.headers, a.timeout_ms, a.history_mode,
            a.history_limit, a.signing_secret, a.previous_signing_secret, a.previous_secret_expires_at
          FROM deliveries d
          JOIN agents a ON a.tenant_id = d.tenant_id AND a.id = d.agent_id AND a.status = 'enabled'
          WHERE d.status IN ('pending', 'replying') AND d.next_attempt_at <= now()
            AND NOT (d.tenant_id || '/' || d.agent_id = ANY($1::text[]))
            AND NOT EXISTS (
              SELECT 1 FROM deliveries e
              WHERE e.tenant_id = d.tenant_id AND e.conversation_id = d.conversation_id AND e.agent_id = d.agent_id
                AND e.first_seq < d.first_seq AND e.status IN ('pending', 'replying')
            )
            AND NOT EXISTS (
              SELECT 1 FROM dispatch_seqs s
              WHERE s.tenant_id = d.tenant_id AND s.conversation_id = d.conversation_id AND s.contiguous_seq < d.last_seq
            )
          ORDER BY d.next_attempt_at
          LIMIT $2
          FOR UPDATE OF d SKIP LOCKED`,
    params: [excludedAgents, limit],
  };
}

/**
 * Takes locked pending deliveries for an attempt: counts it, leases the row
 * for the attempt's timeout and `leaseMarginMs` (after that another instance
 * may try again, with the same webhook-id), and logs the attempt as
 * interrupted until its outcome replaces that.
 */
export function startAttempts(ids: readonly string[], leaseMarginMs: number): Statement[] {
  return [
    {
      sql: `UPDATE deliveries d SET attempts = d.attempts + 1, updated_at = now(),
              next_attempt_at = now() + (a.timeout_ms + $2) * interval '1 millisecond'
            FROM agents a
            WHERE d.id = ANY($1::uuid[]) AND a.tenant_id = d.tenant_id AND a.id = d.agent_id`,
      params: [ids, leaseMarginMs],
    },
    {
      sql: `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, error)
            SELECT id, attempts, now(), 0, 'interrupted: the dispatcher stopped during the attempt'
            FROM deliveries WHERE id = ANY($1::uuid[])
            ON CONFLICT (delivery_id, attempt) DO NOTHING`,
      params: [ids],
    },
  ];
}

/** Leases locked replying deliveries for one call to the command's replies route. */
export function leaseReplies(ids: readonly string[], leaseMs: number): Statement {
  return {
    sql: `UPDATE deliveries SET updated_at = now(), next_attempt_at = now() + $2 * interval '1 millisecond'
          WHERE id = ANY($1::uuid[])`,
    params: [ids, leaseMs],
  };
}

export interface AttemptRecord {
  deliveryId: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  httpStatus: number | null;
  responseExcerpt: string | null;
  error: string | null;
}

export function recordAttempt(record: AttemptRecord): Statement {
  return {
    sql: `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, http_status, response_excerpt, error)
          VALUES ($1, $2, $3, $4, $5, $6, $7)
          ON CONFLICT (delivery_id, attempt) DO UPDATE SET started_at = $3, duration_ms = $4, http_status = $5,
            response_excerpt = $6, error = $7`,
    params: [
      record.deliveryId,
      record.attempt,
      record.startedAt,
      record.durationMs,
      record.httpStatus,
      record.responseExcerpt,
      record.error,
    ],
  };
}

/** What the delivery becomes after an attempt or a reply call. */
export type DeliveryChange =
  | { status: 'succeeded'; replyAppended: boolean }
  | { status: 'failed' | 'dead'; error: string }
  /** The reply kept; leased for the append this instance makes right away (after the lease, any instance may). */
  | { status: 'replying'; reply: unknown[]; leaseMs: number }
  | { status: 'pending' | 'replying'; retryInMs: number; error: string };

/**
 * Applies a change to the delivery as this instance claimed it (same status,
 * same attempt count): a delivery another instance took over meanwhile (after
 * the lease ran out) is left to it. Returns no row when nothing changed.
 */
export function changeDelivery(
  id: string,
  claimed: { status: 'pending' | 'replying'; attempts: number },
  change: DeliveryChange,
): Statement {
  const where = 'WHERE id = $1 AND status = $2 AND attempts = $3 RETURNING id';
  const params = [id, claimed.status, claimed.attempts];
  if ('retryInMs' in change) {
    return {
      sql: `UPDATE deliveries SET status = $4, last_error = $5, updated_at = now(),
              next_attempt_at = now() + $6 * interval '1 millisecond' ${where}`,
      params: [...params, change.status, change.error, change.retryInMs],
    };
  }
  switch (change.status) {
    case 'succeeded':
      return {
        sql: `UPDATE deliveries SET status = 'succeeded', updated_at = now(), completed_at = now(),
                reply_appended_at = CASE WHEN $4 THEN now() ELSE reply_appended_at END ${where}`,
        params: [...params, change.replyAppended],
      };
    case 'replying':
      return {
        sql: `UPDATE deliveries SET status = 'replying', reply = $4::jsonb, updated_at = now(),
                next_attempt_at = now() + $5 * interval '1 millisecond' ${where}`,
        params: [...params, JSON.stringify(change.reply), change.leaseMs],
      };
    default:
      return {
        sql: `UPDATE deliveries SET status = $4, last_error = $5, updated_at = now(), completed_at = now() ${where}`,
        params: [...params, change.status, change.error],
      };
  }
}
