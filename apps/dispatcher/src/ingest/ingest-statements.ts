import { Statement } from '@threadline/persistence';
import { MessageView } from '@threadline/persistence';

/** A conversation as the dispatcher names it. */
export interface PairConversation {
  tenantId: string;
  conversationId: string;
}

/** An agent participant of a conversation that is a registered agent of the tenant. */
export interface ParticipantAgentRow {
  id: string;
  debounce_ms: number;
  max_attempts: number;
}

/**
 * A row with this agent id marks a conversation whose participant list has been set (by a create or a change),
 * with or without agents: a create that comes again later (a retried PUT) must not undo a change. Participant ids
 * are never empty, so it names no agent.
 */
export const LIST_SET_MARKER = '';

/** The conversation's agent participants become exactly `agentIds` (the DELETE runs first). */
export function replaceParticipants(conversation: PairConversation, agentIds: readonly string[]): Statement[] {
  const params = [conversation.tenantId, conversation.conversationId];
  return [
    { sql: 'DELETE FROM dispatch_participants WHERE tenant_id = $1 AND conversation_id = $2', params },
    {
      sql: `INSERT INTO dispatch_participants (tenant_id, conversation_id, agent_id)
            SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`,
      params: [...params, [LIST_SET_MARKER, ...agentIds]],
    },
  ];
}

/** The list of a `conversation.created`: applied only if the conversation's list was never set. */
export function initialParticipants(conversation: PairConversation, agentIds: readonly string[]): Statement[] {
  const params = [conversation.tenantId, conversation.conversationId];
  return [
    {
      sql: `INSERT INTO dispatch_participants (tenant_id, conversation_id, agent_id)
            SELECT $1, $2, unnest($3::text[])
            WHERE NOT EXISTS (SELECT 1 FROM dispatch_participants WHERE tenant_id = $1 AND conversation_id = $2)
            ON CONFLICT DO NOTHING`,
      params: [...params, [LIST_SET_MARKER, ...agentIds]],
    },
  ];
}

/** The conversation's agent participants that are registered agents of its tenant (enabled or not). */
export function participantAgents(conversation: PairConversation): Statement {
  return {
    sql: `SELECT a.id, a.debounce_ms, a.max_attempts
          FROM dispatch_participants p
          JOIN agents a ON a.tenant_id = p.tenant_id AND a.id = p.agent_id
          WHERE p.tenant_id = $1 AND p.conversation_id = $2
          ORDER BY a.id`,
    params: [conversation.tenantId, conversation.conversationId],
  };
}

export interface PairSeq extends PairConversation {
  agentId: string;
  seq: number;
}

/**
 * Adds a message to a delivery of the pair nothing has been attempted of yet. A seq that arrives after a
 * higher one (events may reach the topic out of seq order) joins the first delivery holding a higher seq,
 * in seq order: that delivery has waited for it (an attempt needs every seq up to its last seen), so every
 * pair's deliveries keep disjoint, ascending ranges. Otherwise it extends the newest delivery while its
 * debounce window (created_at + debounce) is still open at the event's time. Returns the delivery's id, or
 * no row (then insert one). Conditional on the row as it is once locked: a claim that just took it wins.
 */
export function addToDelivery(at: PairSeq, message: MessageView, eventTime: string, debounceMs: number): Statement {
  return {
    sql: `UPDATE deliveries SET updated_at = now(),
            messages = (SELECT jsonb_agg(m ORDER BY (m->>'seq')::bigint) FROM jsonb_array_elements(messages || $5::jsonb) m),
            first_seq = LEAST(first_seq, $4), last_seq = GREATEST(last_seq, $4)
          WHERE id = (
            SELECT id FROM deliveries
            WHERE tenant_id = $1 AND conversation_id = $2 AND agent_id = $3
            ORDER BY last_seq > $4 DESC, CASE WHEN last_seq > $4 THEN first_seq ELSE -first_seq END
            LIMIT 1
          )
            AND status = 'pending' AND attempts = 0
            AND (last_seq > $4 OR created_at + $7 * interval '1 millisecond' > $6::timestamptz)
          RETURNING id`,
    params: [at.tenantId, at.conversationId, at.agentId, at.seq, JSON.stringify([message]), eventTime, debounceMs],
  };
}

export interface NewDelivery extends PairSeq {
  id: string;
  message: MessageView;
  /** The event's time: the debounce window and the first attempt count from it. */
  createdAt: string;
  debounceMs: number;
  attemptsAllowed: number;
}

export function insertDelivery(delivery: NewDelivery): Statement {
  return {
    sql: `INSERT INTO deliveries (id, tenant_id, agent_id, conversation_id, first_seq, last_seq, messages, status,
            attempts, attempts_allowed, next_attempt_at, created_at, updated_at)
          VALUES ($1, $2, $3, $4, $5, $5, $6::jsonb, 'pending', 0, $7,
            $8::timestamptz + $9 * interval '1 millisecond', $8::timestamptz, now())`,
    params: [
      delivery.id,
      delivery.tenantId,
      delivery.agentId,
      delivery.conversationId,
      delivery.seq,
      JSON.stringify([delivery.message]),
      delivery.attemptsAllowed,
      delivery.createdAt,
      delivery.debounceMs,
    ],
  };
}
