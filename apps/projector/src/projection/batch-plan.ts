import {
  applyFence,
  ConversationEvent,
  conversationKey,
  CreatorPrincipal,
  eventConversation,
  DecodedRecord,
  EventType,
  Participant,
  EventTypeName,
  SeqEvent,
  isSeqEvent,
} from '@threadline/contracts';
import { messageFieldsFromEvent, StoredPosition, type MessageKind } from '@threadline/persistence';

/** One record of a partition after the poison rule: an event, a fence, or a poison record and its stand-in. */
export interface ProjectionRecord {
  offset: number;
  record: DecodedRecord;
}

/** An event the fence rule ignored (docs/events.md rule 6): decided against a head index that was lost. */
export interface FencedEvent {
  offset: number;
  tenantId: string;
  conversationId: string;
  /** Null for an event that names no seq (`conversation.created`, `conversation.deleted`). */
  seq: number | null;
  /** The event's `index_epoch` (absent = 0). */
  epoch: number;
  /** The partition's fence it is below. */
  fence: number;
}

/** A conversation row as the first event that mentions the conversation creates it. */
export interface ConversationRow {
  tenantId: string;
  id: string;
  metadata: Record<string, unknown>;
  title: string | null;
  creator: CreatorPrincipal | null;
  at: string;
  /** The parent a fork's `conversation.created` names; null otherwise. */
  fork: { parentConversationId: string; atSeq: number } | null;
}

/** A conversation's header after a `conversation.updated` (the chunk's highest version per conversation). */
export interface HeaderUpdate {
  tenantId: string;
  id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  archived: boolean;
  version: number;
  at: string;
}

export interface MessageRow {
  tenantId: string;
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
  actor: string | null;
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
  tenantId: string | null;
  conversationId: string | null;
  seq: number | null;
}

/**
 * A conversation's participant list as the chunk leaves it. `initial` comes from the
 * `conversation.created` that creates the conversation row and applies only if the
 * row is new (a late copy of the create changes nothing); `replace` comes from
 * `conversation.participants_set` and replaces the whole list.
 */
export interface ParticipantsChange {
  tenantId: string;
  conversationId: string;
  mode: 'initial' | 'replace';
  participants: Participant[];
  at: string;
}

export interface DeleteMark {
  tenantId: string;
  id: string;
  at: string;
}

/** What one chunk of a partition writes, after dropping what the projection already holds. */
export interface ChunkPlan {
  /** Events at or past the stored next offset, by type (fenced events not included). */
  applied: Map<EventTypeName, number>;
  /** Events below the stored next offset: a replay after a crash or a hand-over, already projected. */
  replayed: number;
  /** Events at or past the stored next offset that the fence rule ignores. */
  fenced: FencedEvent[];
  /** The partition's fence after the chunk's last record: stored with the next offset. */
  fence: number;
  conversations: ConversationRow[];
  messages: MessageRow[];
  deletes: DeleteMark[];
  /** Per conversation, the last participant list of the chunk in offset order. */
  participants: ParticipantsChange[];
  /** Per conversation, the header update of the highest version in the chunk. */
  updates: HeaderUpdate[];
  /** Poison records at or past the stored next offset, to quarantine (a fenced one is not). */
  quarantined: PoisonRecord[];
}

/**
 * Plans a chunk (records in offset order) against the partition's stored position.
 *
 * - Records below the stored next offset were projected by an earlier transaction: skipped.
 * - The fence rule (docs/events.md rule 6) runs from the stored fence, which holds
 *   at the stored next offset: a fence record raises it, an event (or poison
 *   stand-in) of an epoch below it is ignored entirely and reported in `fenced`.
 * - Conversations are told apart by tenant and id (conversationKey): two tenants'
 *   same id are two conversations.
 * - Per (conversation, seq) only the first event in offset order is kept: the rule
 *   every consumer applies. Later chunks are filtered by the database (ON CONFLICT DO NOTHING).
 * - A poison record's stand-in tombstone is applied like any event; the record
 *   itself is quarantined, once (replays below the stored offset are not).
 * - A conversation row is created by the first event that mentions it: a
 *   `conversation.created` brings its metadata, any other event creates it with `{}`.
 *   A later `conversation.created` changes nothing, wherever the chunk boundaries fall.
 * - Header updates: per conversation the `conversation.updated` of the highest
 *   version wins; the database keeps it only above the stored header_version, so
 *   a replayed or older update changes nothing.
 * - Participants: the `conversation.created` that creates the row names the first
 *   list; each `conversation.participants_set` replaces the whole list, so per
 *   conversation the last one in offset order wins.
 */
export function planChunk(
  records: readonly ProjectionRecord[],
  stored: StoredPosition,
  poison: readonly PoisonRecord[] = [],
): ChunkPlan {
  const plan: ChunkPlan = {
    applied: new Map(),
    replayed: 0,
    fenced: [],
    fence: stored.indexFence,
    conversations: [],
    messages: [],
    deletes: [],
    participants: [],
    updates: [],
    quarantined: [],
  };
  const updates = new Map<string, HeaderUpdate>();
  const participants = new Map<string, ParticipantsChange>();
  const conversations = new Map<string, ConversationRow>();
  const seqs = new Set<string>();
  const deletes = new Map<string, DeleteMark>();
  const fencedOffsets = new Set<number>();
  for (const { offset, record } of records) {
    if (offset < stored.nextOffset) {
      plan.replayed += eventOf(record) === null ? 0 : 1;
      continue;
    }
    const fenced = applyFence(plan.fence, record);
    const ignored = fenced.fenced ? eventOf(record) : null;
    if (ignored !== null) {
      plan.fenced.push(fencedEvent(offset, ignored, plan.fence));
      fencedOffsets.add(offset);
    }
    plan.fence = fenced.fence;
    const event = fenced.event;
    if (event === null) {
      continue;
    }
    plan.applied.set(event.type, (plan.applied.get(event.type) ?? 0) + 1);
    const key = conversationKey(eventConversation(event));
    if (!conversations.has(key)) {
      conversations.set(key, conversationRow(event));
      if (event.type === EventType.ConversationCreated && event.data.participants !== undefined) {
        participants.set(key, participantsChange(event, 'initial', event.data.participants));
      }
    }
    if (event.type === EventType.ParticipantsSet) {
      participants.set(key, participantsChange(event, 'replace', event.data.participants));
    }
    if (event.type === EventType.ConversationUpdated && (updates.get(key)?.version ?? 0) < event.data.version) {
      updates.set(key, { tenantId: event.tenant_id, id: event.conversation_id, ...event.data, at: event.occurred_at });
    }
    if (isSeqEvent(event)) {
      const seqKey = `${event.seq}:${key}`;
      if (!seqs.has(seqKey)) {
        seqs.add(seqKey);
        plan.messages.push(toMessageRow(event, offset));
      }
    } else if (event.type === EventType.ConversationDeleted && !deletes.has(key)) {
      deletes.set(key, { tenantId: event.tenant_id, id: event.conversation_id, at: event.occurred_at });
    }
  }
  plan.conversations = [...conversations.values()];
  plan.deletes = [...deletes.values()];
  plan.participants = [...participants.values()];
  plan.updates = [...updates.values()];
  plan.quarantined = poison.filter((p) => p.offset >= stored.nextOffset && !fencedOffsets.has(p.offset));
  return plan;
}

/** The row the first event of a conversation creates: a `conversation.created` brings its header, any other none. */
function conversationRow(event: ConversationEvent): ConversationRow {
  const created = event.type === EventType.ConversationCreated ? event.data : null;
  return {
    tenantId: event.tenant_id,
    id: event.conversation_id,
    metadata: created?.metadata ?? {},
    title: created?.title ?? null,
    creator: created?.creator ?? null,
    at: event.occurred_at,
    fork: created?.fork
      ? { parentConversationId: created.fork.parent_conversation_id, atSeq: created.fork.at_seq }
      : null,
  };
}

/** The event a record stands for before the fence rule: the event, a poison record's stand-in, or none. */
function eventOf(record: DecodedRecord): ConversationEvent | null {
  switch (record.kind) {
    case 'event':
      return record.event;
    case 'poison':
      return record.standIn;
    case 'fence':
      return null;
  }
}

function participantsChange(
  event: ConversationEvent,
  mode: ParticipantsChange['mode'],
  list: Participant[],
): ParticipantsChange {
  return {
    tenantId: event.tenant_id,
    conversationId: event.conversation_id,
    mode,
    participants: list,
    at: event.occurred_at,
  };
}

function fencedEvent(offset: number, event: ConversationEvent, fence: number): FencedEvent {
  return {
    offset,
    tenantId: event.tenant_id,
    conversationId: event.conversation_id,
    seq: isSeqEvent(event) ? event.seq : null,
    epoch: event.index_epoch ?? 0,
    fence,
  };
}

function toMessageRow(event: SeqEvent, offset: number): MessageRow {
  return {
    tenantId: event.tenant_id,
    conversationId: event.conversation_id,
    seq: event.seq,
    eventId: event.event_id,
    insertedAt: event.occurred_at,
    offset,
    ...messageFieldsFromEvent(event),
  };
}

/**
 * The participant lists a chunk's transaction writes, once it knows which
 * conversation rows it created (`createdKeys`, conversationKey of each): an
 * `initial` list applies only to a conversation created now, a `replace` always.
 */
export function participantListsToWrite(
  changes: readonly ParticipantsChange[],
  createdKeys: ReadonlySet<string>,
): ParticipantsChange[] {
  return changes.filter(
    (change) =>
      change.mode === 'replace' ||
      createdKeys.has(conversationKey({ tenantId: change.tenantId, conversationId: change.conversationId })),
  );
}

/** Splits a fetched batch into transaction-sized chunks, keeping offset order. */
export function splitIntoChunks<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
