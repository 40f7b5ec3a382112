import { LogEntry, Message, RunFrame, Tombstone } from '../types';

/** The frames of the plain WebSocket stream `/v1/conversations/{id}/stream` (docs/api.md, "Streaming"). */
export type StreamFrame =
  | {
      type: 'message';
      seq: number;
      version: number;
      message: Pick<Message, 'role' | 'parts' | 'metadata' | 'token_count'>;
      inserted_at: string;
    }
  | { type: 'tombstone'; seq: number; reason: string; inserted_at?: string }
  | { type: 'gap'; expected: number; actual: number }
  | { type: 'conversation_deleted'; last_seq: number }
  | RunFrame;

/** A settled seq, from a frame or a REST page, in the one shape handlers receive. */
export type Settled = { kind: 'message'; message: Message } | { kind: 'tombstone'; tombstone: Tombstone };

export function settledFromFrame(frame: StreamFrame): Settled | null {
  if (frame.type === 'message') {
    return {
      kind: 'message',
      message: {
        seq: frame.seq,
        version: frame.version,
        ...frame.message,
        actor: null,
        producer_id: null,
        producer_seq: null,
        inserted_at: frame.inserted_at,
      },
    };
  }
  if (frame.type === 'tombstone') {
    return { kind: 'tombstone', tombstone: { seq: frame.seq, reason: frame.reason, inserted_at: frame.inserted_at } };
  }
  return null;
}

export function settledFromEntry(entry: LogEntry): Settled {
  const fields: Record<string, unknown> = { ...entry };
  delete fields.kind;
  return entry.kind === 'tombstone'
    ? { kind: 'tombstone', tombstone: fields as unknown as Tombstone }
    : { kind: 'message', message: fields as unknown as Message };
}

export function seqOf(settled: Settled): number {
  return settled.kind === 'message' ? settled.message.seq : settled.tombstone.seq;
}

export function parseFrame(data: unknown): StreamFrame | null {
  if (typeof data !== 'string') {
    return null;
  }
  try {
    const frame = JSON.parse(data) as StreamFrame;
    return typeof frame === 'object' && frame !== null && typeof frame.type === 'string' ? frame : null;
  } catch {
    return null;
  }
}
