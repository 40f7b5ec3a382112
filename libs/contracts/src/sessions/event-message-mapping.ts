import type { MessageBody } from '../message.schema';

/** What a Starcite append names besides its producer pair: the content of one session event. */
export interface SessionEventContent {
  type: string;
  payload: Record<string, unknown>;
  source?: string;
  metadata?: Record<string, unknown>;
  refs?: Record<string, unknown>;
  idempotency_key?: string;
}

/** A log entry as the session API shows it (Starcite's event frame). */
export interface SessionEventView {
  seq: number;
  cursor: number;
  type: string;
  payload: Record<string, unknown>;
  actor: string | null;
  producer_id: string | null;
  producer_seq: number | null;
  source: string | null;
  metadata: Record<string, unknown>;
  refs: Record<string, unknown>;
  idempotency_key: string | null;
  inserted_at: string;
}

/** A message as the log holds it, with what the session view needs around it. */
export interface LoggedMessage {
  seq: number;
  message: MessageBody;
  actor: string | null;
  producerId: string | null;
  producerSeq: number | null;
  insertedAt: string;
}

/** The type a message appended through the conversation API reads as on the session API. */
export const PLAIN_MESSAGE_TYPE = 'message';

/** Which message role an event's actor speaks as: agents are `assistant`, users `user`, services `system`. */
export function roleOfActor(actor: string): string {
  if (actor.startsWith('agent:')) {
    return 'assistant';
  }
  if (actor.startsWith('user:')) {
    return 'user';
  }
  return 'system';
}

/**
 * The message a session event is stored as. The role comes from the actor; a
 * payload that is exactly `{text}` becomes one `text` part (so conversation readers
 * see plain text), any other payload one `data` part holding it whole; the
 * event's type, source, refs, metadata and idempotency key are kept under
 * `metadata.starcite`, so eventOfMessage gives the event back unchanged.
 */
export function messageOfEvent(event: SessionEventContent, actor: string): MessageBody {
  const starcite: Record<string, unknown> = { type: event.type };
  for (const key of ['source', 'refs', 'metadata', 'idempotency_key'] as const) {
    if (event[key] !== undefined) {
      starcite[key] = event[key];
    }
  }
  return { role: roleOfActor(actor), parts: [partOfPayload(event.payload)], metadata: { starcite } };
}

/**
 * The session event a logged message reads as. A message stored from a session
 * event gives that event back; any other message (appended through the
 * conversation API) reads as type `message` with payload `{role, parts}` and its
 * metadata as the event's metadata.
 */
export function eventOfMessage(logged: LoggedMessage): SessionEventView {
  const base = {
    seq: logged.seq,
    cursor: logged.seq,
    actor: logged.actor,
    producer_id: logged.producerId,
    producer_seq: logged.producerSeq,
    inserted_at: logged.insertedAt,
  };
  const { message } = logged;
  const starcite = asObject(message.metadata?.starcite);
  const payload = message.parts.length === 1 ? payloadOfPart(message.parts[0]) : null;
  if (starcite !== null && typeof starcite.type === 'string' && payload !== null) {
    return {
      ...base,
      type: starcite.type,
      payload,
      source: typeof starcite.source === 'string' ? starcite.source : null,
      idempotency_key: typeof starcite.idempotency_key === 'string' ? starcite.idempotency_key : null,
      metadata: asObject(starcite.metadata) ?? {},
      refs: asObject(starcite.refs) ?? {},
    };
  }
  return {
    ...base,
    type: PLAIN_MESSAGE_TYPE,
    payload: { role: message.role, parts: message.parts },
    source: null,
    idempotency_key: null,
    metadata: message.metadata ?? {},
    refs: {},
  };
}

function partOfPayload(payload: Record<string, unknown>): MessageBody['parts'][number] {
  const keys = Object.keys(payload);
  if (keys.length === 1 && keys[0] === 'text' && typeof payload.text === 'string') {
    return { type: 'text', text: payload.text };
  }
  return { type: 'data', data: payload };
}

function payloadOfPart(part: MessageBody['parts'][number]): Record<string, unknown> | null {
  const keys = Object.keys(part);
  if (part.type === 'text' && keys.length === 2 && typeof part.text === 'string') {
    return { text: part.text };
  }
  if (part.type === 'data' && keys.length === 2) {
    return asObject(part.data);
  }
  return null;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}
