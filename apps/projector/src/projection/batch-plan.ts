import { ConversationEvent, EventType, EventTypeName, SeqEvent, isSeqEvent } from '@threadline/contracts';
import { messageFieldsFromEvent, type MessageKind } from '@threadline/persistence';

/** One decoded record of a partition. */
export interface ProjectionRecord {
  offset: number;
  event: ConversationEvent;
}

/** A conversation row as the first event that mentions the conversation creates it. */
export interface ConversationRow {
  id: string;
  metadata: Record<string, unknown>;
  at: string;
}

export interface MessageRow {
  conversationId: string;
  seq: number;
  kind: MessageKind;
  version: number | null;
  role: string | null;
  parts: unknown[] | null;
  metadata: Record<string, unknown> | null;
  tokenCount: number | null;
  producerId: string | null;
  producerSeq: number | null;
  tombstoneReason: string | null;
  eventId: string;
  insertedAt: string;
  offset: number;
}

/** A record the projection could not apply (the poison rule), kept with its raw bytes. */
export interface PoisonRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  reason: string;
  /** The conversation and seq its stand-in tombstone settles, when the envelope names them. */
  conversationId: string | null;
  seq: number | null;
}

export interface DeleteMark {
  id: string;
  at: string;
}

/** What one chunk of a partition writes, after dropping what the projection already holds. */
export interface ChunkPlan {
  /** Events at or past the stored next offset, by type. */
  applied: Map<EventTypeName, number>;
  /** Events below the stored next offset: a replay after a crash or a hand-over, already projected. */
  replayed: number;
  conversations: ConversationRow[];
  messages: MessageRow[];
  deletes: DeleteMark[];
  /** Poison records at or past the stored next offset, to quarantine. */
  quarantined: PoisonRecord[];
}

/**
 * Plans a chunk (records in offset order) against the partition's stored next offset.
 *
 * - Per (conversation, seq) only the first event in offset order is kept: the rule
 *   every consumer applies. Later chunks are filtered by the database (ON CONFLICT DO NOTHING).
 * - A poison record's stand-in tombstone is one of `records` like any event; the
 *   record itself is quarantined, once (replays below the stored offset are not).
 * - A conversation row is created by the first event that mentions it: a
 *   `conversation.created` brings its metadata, any other event creates it with `{}`.
 *   A later `conversation.created` changes nothing, wherever the chunk boundaries fall.
 */
export function planChunk(
  records: readonly ProjectionRecord[],
  storedNextOffset: number,
  poison: readonly PoisonRecord[] = [],
): ChunkPlan {
  const plan: ChunkPlan = {
    applied: new Map(),
    replayed: 0,
    conversations: [],
    messages: [],
    deletes: [],
    quarantined: poison.filter((p) => p.offset >= storedNextOffset),
  };
  const conversations = new Map<string, ConversationRow>();
  const seqs = new Set<string>();
  const deletes = new Map<string, DeleteMark>();
  for (const { offset, event } of records) {
    if (offset < storedNextOffset) {
      plan.replayed += 1;
      continue;
    }
    plan.applied.set(event.type, (plan.applied.get(event.type) ?? 0) + 1);
    if (!conversations.has(event.conversation_id)) {
      const metadata = event.type === EventType.ConversationCreated ? event.data.metadata : {};
      conversations.set(event.conversation_id, { id: event.conversation_id, metadata, at: event.occurred_at });
    }
    if (isSeqEvent(event)) {
      const key = `${event.seq}:${event.conversation_id}`;
      if (!seqs.has(key)) {
        seqs.add(key);
        plan.messages.push(toMessageRow(event, offset));
      }
    } else if (event.type === EventType.ConversationDeleted && !deletes.has(event.conversation_id)) {
      deletes.set(event.conversation_id, { id: event.conversation_id, at: event.occurred_at });
    }
  }
  plan.conversations = [...conversations.values()];
  plan.deletes = [...deletes.values()];
  return plan;
}

function toMessageRow(event: SeqEvent, offset: number): MessageRow {
  return {
    conversationId: event.conversation_id,
    seq: event.seq,
    eventId: event.event_id,
    insertedAt: event.occurred_at,
    offset,
    ...messageFieldsFromEvent(event),
  };
}

/** Splits a fetched batch into transaction-sized chunks, keeping offset order. */
export function splitIntoChunks<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
