import { ConversationEvent, EventType } from '@threadline/contracts';
import { MessageRow } from '@threadline/persistence';

/** The message body as clients receive it (FleetLM's shape: no seq, no inserted_at inside). */
export interface MessagePayload {
  role: string;
  parts: unknown[];
  metadata: Record<string, unknown>;
  token_count: number | null;
}

/** Who appended an entry: the credential's subject and the producer pair (what a Starcite event frame shows). */
export interface EntryAuthor {
  actor: string | null;
  producerId: string | null;
  producerSeq: number | null;
}

export interface MessageEntry {
  kind: 'message';
  seq: number;
  version: number;
  message: MessagePayload;
  insertedAt: string;
  /** Read by the session tail only; FleetLM's frames (plain WS, Phoenix, SSE) do not show it. */
  author: EntryAuthor;
}

export interface TombstoneEntry {
  kind: 'tombstone';
  seq: number;
  reason: string;
  insertedAt: string;
}

/**
 * The end of a deleted conversation. It takes the place of seq `lastSeq + 1`, so
 * the ordered stream releases it only after every seq up to `lastSeq`.
 */
export interface DeletedEntry {
  kind: 'deleted';
  seq: number;
  lastSeq: number;
}

/** What occupies a position in a conversation's stream. */
export type StreamEntry = MessageEntry | TombstoneEntry | DeletedEntry;

export interface GapNotice {
  kind: 'gap';
  /** The first seq the client did not get: replay it with GET /v1/conversations/{id}/messages?from=expected. */
  expected: number;
  /** The seq the stream continues with. */
  actual: number;
}

/** What a stream hands to a protocol, in order. */
export type StreamOutput = StreamEntry | GapNotice;

export function deletedEntry(lastSeq: number): DeletedEntry {
  return { kind: 'deleted', seq: lastSeq + 1, lastSeq };
}

/** The entry a topic event stands for; conversation.created, participants_set and updated have none (no seq). */
export function entryFromEvent(event: ConversationEvent): StreamEntry | null {
  switch (event.type) {
    case EventType.MessageAppended:
      return {
        kind: 'message',
        seq: event.seq,
        version: event.data.version,
        message: {
          role: event.data.message.role,
          parts: event.data.message.parts,
          metadata: event.data.message.metadata ?? {},
          token_count: event.data.message.token_count ?? null,
        },
        insertedAt: event.occurred_at,
        author: {
          actor: event.data.actor,
          producerId: event.data.producer_id,
          producerSeq: event.data.producer_seq,
        },
      };
    case EventType.MessageTombstoned:
      return { kind: 'tombstone', seq: event.seq, reason: event.data.reason, insertedAt: event.occurred_at };
    case EventType.ConversationDeleted:
      return deletedEntry(event.data.last_seq);
    case EventType.ConversationCreated:
    case EventType.ParticipantsSet:
    case EventType.ConversationUpdated:
      return null;
  }
}

/** The entry a projected `messages` row stands for. */
export function entryFromRow(row: MessageRow): MessageEntry | TombstoneEntry {
  const insertedAt = row.insertedAt.toISOString();
  if (row.kind === 'tombstone') {
    return { kind: 'tombstone', seq: row.seq, reason: row.tombstoneReason ?? 'unknown', insertedAt };
  }
  return {
    kind: 'message',
    seq: row.seq,
    version: row.version ?? row.seq,
    message: {
      role: row.role ?? '',
      parts: row.parts ?? [],
      metadata: row.metadata ?? {},
      token_count: row.tokenCount,
    },
    insertedAt,
    author: { actor: row.actor, producerId: row.producerId, producerSeq: row.producerSeq },
  };
}
