import { Pool } from 'pg';
import { ArchiveReader } from '@threadline/persistence';
import { StreamFrame } from '../../realtime/support/stream-clients';
import { Entry, SeenFrame, StoredView } from './checker';

/** A load message's text (its producer pair); null when the parts are not one text part. */
export function keyOf(parts: unknown): string | null {
  const first = Array.isArray(parts) ? (parts[0] as { text?: unknown } | undefined) : undefined;
  return typeof first?.text === 'string' ? first.text : null;
}

/**
 * A view's row as the checker compares it. Where the view records the producer pair, it must be the one the
 * text names; otherwise the key says so and matches no write.
 */
function entry(seq: number, kind: string, parts: unknown, producerId: unknown, producerSeq: unknown): Entry {
  if (kind === 'tombstone') {
    return { seq, kind: 'tombstone', key: null };
  }
  const key = keyOf(parts);
  const pair = `${String(producerId)}#${String(producerSeq)}`;
  return { seq, kind: 'message', key: key === pair ? key : `${key} recorded with producer pair ${pair}` };
}

/** The projection's rows. */
export async function postgresView(db: Pool, ids: string[]): Promise<StoredView> {
  const { rows } = await db.query<{
    conversation_id: string;
    seq: string;
    kind: string;
    parts: unknown;
    producer_id: string | null;
    producer_seq: string | null;
  }>(
    `SELECT conversation_id, seq, kind, parts, producer_id, producer_seq FROM messages
     WHERE conversation_id = ANY($1) ORDER BY conversation_id, seq`,
    [ids],
  );
  const entries = new Map<string, Entry[]>(ids.map((id) => [id, []]));
  for (const row of rows) {
    entries
      .get(row.conversation_id)
      ?.push(entry(Number(row.seq), row.kind, row.parts, row.producer_id, row.producer_seq));
  }
  return { name: 'postgres', entries };
}

/** What a client replaying each conversation from seq 1 reads, page after page, in the order returned. */
export async function replayView(baseUrl: string, ids: string[]): Promise<StoredView> {
  const entries = new Map<string, Entry[]>();
  for (const id of ids) {
    const list: Entry[] = [];
    for (let from: number | null = 1; from !== null;) {
      const res = await fetch(`${baseUrl}/v1/conversations/${id}/messages?from=${from}&limit=1000`);
      if (res.status !== 200) {
        throw new Error(`replay of ${id} from ${from}: ${res.status} ${await res.text()}`);
      }
      const page = (await res.json()) as {
        messages: Array<{ seq: number; kind: string; parts?: unknown; producer_id?: unknown; producer_seq?: unknown }>;
        next_cursor: number | null;
      };
      list.push(...page.messages.map((m) => entry(m.seq, m.kind, m.parts, m.producer_id, m.producer_seq)));
      from = page.messages.length > 0 && page.next_cursor !== null && page.next_cursor > from ? page.next_cursor : null;
    }
    entries.set(id, list);
  }
  return { name: 'replay', entries };
}

/** What the archive holds for seqs 1..head, read as command and realtime read it. */
export async function archiveView(reader: ArchiveReader, heads: Map<string, number>): Promise<StoredView> {
  const entries = new Map<string, Entry[]>();
  for (const [id, head] of heads) {
    const archived = await reader.readRange(id, 1, Math.max(head, 1), Math.max(head, 1));
    entries.set(
      id,
      archived.map((m) => entry(m.seq, m.kind, m.parts, m.producerId, m.producerSeq)),
    );
  }
  return { name: 'archive', entries };
}

/** A stream frame reduced to what the checker compares. */
export function seenFrame(frame: StreamFrame): SeenFrame {
  if (frame.type === 'message' && frame.seq !== undefined) {
    return { type: 'message', seq: frame.seq, key: keyOf(frame.message?.parts) };
  }
  if (frame.type === 'tombstone' && frame.seq !== undefined) {
    return { type: 'tombstone', seq: frame.seq };
  }
  if (frame.type === 'gap' && frame.expected !== undefined && frame.actual !== undefined) {
    return { type: 'gap', expected: frame.expected, actual: frame.actual };
  }
  return { type: 'other', raw: JSON.stringify(frame) };
}
