import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { applyFence, ConversationEvent, decodeRecord } from '@threadline/contracts';
import { ArchiveReader, decompressSegment, ObjectStore, parseLine } from '@threadline/persistence';
import { StreamFrame } from '../../realtime/support/stream-clients';
import { Entry, LogRecord, RawLog, ReplayPage, SeenFrame, StoredView } from './checker';

/** Replay pages of this size, so every view is read over several pages. */
const PAGE = 100;

/** A load message's text (its producer pair); null when the parts are not one text part. */
export function keyOf(parts: unknown): string | null {
  const first = Array.isArray(parts) ? (parts[0] as { text?: unknown } | undefined) : undefined;
  return typeof first?.text === 'string' ? first.text : null;
}

/**
 * A view's row as the checker compares it. Where the view records the producer pair, it must be the one the
 * text names; otherwise the key says so and matches no write.
 */
function entry(
  seq: number,
  kind: string,
  parts: unknown,
  producerId: unknown,
  producerSeq: unknown,
  reason: unknown,
): Entry {
  if (kind === 'tombstone') {
    return { seq, kind: 'tombstone', key: null, reason: typeof reason === 'string' ? reason : null };
  }
  const key = keyOf(parts);
  const pair = `${String(producerId)}#${String(producerSeq)}`;
  return { seq, kind: 'message', key: key === pair ? key : `${key} recorded with producer pair ${pair}` };
}

/** An event with a seq as the checker compares it (as the projection would store it). */
function eventEntry(event: ConversationEvent): Entry | null {
  if (event.type === 'message.appended') {
    const { message, producer_id, producer_seq } = event.data;
    return entry(event.seq, 'message', message.parts, producer_id, producer_seq, null);
  }
  if (event.type === 'message.tombstoned') {
    return entry(event.seq, 'tombstone', null, null, null, event.data.reason);
  }
  return null;
}

/**
 * The projection's rows, read with the replay's statement for hot rows (seqs from a cursor, ascending,
 * a page at a time), in the order Postgres returned them.
 */
export async function postgresView(db: Pool, ids: string[]): Promise<StoredView> {
  const entries = new Map<string, Entry[]>();
  for (const id of ids) {
    const list: Entry[] = [];
    for (let from = 1; ;) {
      const { rows } = await db.query<{
        seq: string;
        kind: string;
        parts: unknown;
        producer_id: string | null;
        producer_seq: string | null;
        tombstone_reason: string | null;
      }>(
        `SELECT seq, kind, parts, producer_id, producer_seq, tombstone_reason FROM messages
         WHERE conversation_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3`,
        [id, from, PAGE],
      );
      list.push(
        ...rows.map((r) => entry(Number(r.seq), r.kind, r.parts, r.producer_id, r.producer_seq, r.tombstone_reason)),
      );
      if (rows.length < PAGE) {
        break;
      }
      from = Number(rows[rows.length - 1].seq) + 1;
    }
    entries.set(id, list);
  }
  return { name: 'postgres', entries };
}

/** What a client replaying each conversation from seq 1 reads, page after page, in the order returned. */
export async function replayView(baseUrl: string, ids: string[]): Promise<StoredView> {
  const entries = new Map<string, Entry[]>();
  const pages = new Map<string, ReplayPage[]>();
  for (const id of ids) {
    const list: Entry[] = [];
    const seen: ReplayPage[] = [];
    for (let from: number | null = 1; from !== null;) {
      const res = await fetch(`${baseUrl}/v1/conversations/${id}/messages?from=${from}&limit=${PAGE}`);
      if (res.status !== 200) {
        throw new Error(`replay of ${id} from ${from}: ${res.status} ${await res.text()}`);
      }
      const page = (await res.json()) as {
        messages: Array<{
          seq: number;
          kind: string;
          parts?: unknown;
          producer_id?: unknown;
          producer_seq?: unknown;
          reason?: unknown;
        }>;
        next_cursor: number | null;
        consistency: string;
      };
      list.push(...page.messages.map((m) => entry(m.seq, m.kind, m.parts, m.producer_id, m.producer_seq, m.reason)));
      seen.push({
        from,
        seqs: page.messages.map((m) => m.seq),
        nextCursor: page.next_cursor,
        consistency: page.consistency,
      });
      // A cursor that does not move past `from` ends the read; checkPages names it.
      from = page.messages.length > 0 && page.next_cursor !== null && page.next_cursor > from ? page.next_cursor : null;
    }
    entries.set(id, list);
    pages.set(id, seen);
  }
  return { name: 'replay', entries, pages };
}

/** What the archive holds for seqs 1..head, read as command and realtime read it. */
export async function archiveView(reader: ArchiveReader, heads: Map<string, number>): Promise<StoredView> {
  const entries = new Map<string, Entry[]>();
  for (const [id, head] of heads) {
    const archived = await reader.readRange(
      { tenantId: 'default', conversationId: id },
      1,
      Math.max(head, 1),
      Math.max(head, 1),
    );
    entries.set(
      id,
      archived.map((m) => entry(m.seq, m.kind, m.parts, m.producerId, m.producerSeq, m.tombstoneReason)),
    );
  }
  return { name: 'archive', entries };
}

/** Every archived line of each conversation, in index order (partition, first offset), losing events included. */
export async function archiveLog(db: Pool, store: ObjectStore, ids: string[]): Promise<RawLog> {
  const records = new Map<string, LogRecord[]>(ids.map((id) => [id, []]));
  const { rows } = await db.query<{
    conversation_id: string;
    segment_key: string;
    first_line: string;
    last_line: string;
  }>(
    `SELECT conversation_id, segment_key, first_line, last_line FROM archive_index
     WHERE conversation_id = ANY($1) ORDER BY partition, first_offset`,
    [ids],
  );
  const segments = new Map<string, string[]>();
  for (const row of rows) {
    let lines = segments.get(row.segment_key);
    if (lines === undefined) {
      const bytes = await store.get(row.segment_key);
      if (bytes === null) {
        throw new Error(`archive object ${row.segment_key} is indexed but missing`);
      }
      lines = decompressSegment(bytes);
      segments.set(row.segment_key, lines);
    }
    for (const text of lines.slice(Number(row.first_line), Number(row.last_line) + 1)) {
      const { partition, offset, event } = parseLine(text);
      const seen = event.conversation_id === row.conversation_id ? eventEntry(event) : null;
      if (seen) {
        records.get(row.conversation_id)?.push({ ...seen, partition, offset });
      }
    }
  }
  return { name: 'archive-log', records };
}

/**
 * Every record of the topic for the given conversations, in partition order, as a consumer applies
 * them: the poison rule (a stand-in tombstone) and the fence rule (fenced events are ignored).
 */
export async function topicLog(brokers: string, topic: string, ids: string[]): Promise<RawLog> {
  const kafka = new Kafka({ clientId: 'faults-topic-log', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  await admin.disconnect();
  const wanted = new Set(ids);
  const records = new Map<string, LogRecord[]>(ids.map((id) => [id, []]));
  const fences = new Map<number, number>();
  const pending = new Set([...ends].filter(([, end]) => end > 0).map(([p]) => p));
  if (pending.size === 0) {
    return { name: 'topic', records };
  }
  const consumer = kafka.consumer({ groupId: `faults-topic-log-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 120_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          if (offset >= (ends.get(partition) ?? 0)) {
            return;
          }
          const fenced = applyFence(fences.get(partition) ?? 0, decodeRecord(message));
          fences.set(partition, fenced.fence);
          const seen = fenced.event && wanted.has(fenced.event.conversation_id) ? eventEntry(fenced.event) : null;
          if (fenced.event && seen) {
            records.get(fenced.event.conversation_id)?.push({ ...seen, partition, offset });
          }
          if (offset + 1 >= (ends.get(partition) ?? 0)) {
            pending.delete(partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return { name: 'topic', records };
}

/** A stream frame reduced to what the checker compares. */
export function seenFrame(frame: StreamFrame): SeenFrame {
  if (frame.type === 'message' && frame.seq !== undefined) {
    return { type: 'message', seq: frame.seq, key: keyOf(frame.message?.parts) };
  }
  if (frame.type === 'tombstone' && frame.seq !== undefined) {
    return { type: 'tombstone', seq: frame.seq, reason: frame.reason ?? null };
  }
  if (frame.type === 'gap' && frame.expected !== undefined && frame.actual !== undefined) {
    return { type: 'gap', expected: frame.expected, actual: frame.actual };
  }
  return { type: 'other', raw: JSON.stringify(frame) };
}
