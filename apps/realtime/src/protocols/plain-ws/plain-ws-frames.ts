import { StreamOutput } from '../../stream/stream-entry';

/** A stream output as a plain-WebSocket JSON text frame (also the SSE `data:` line). */
export function outputJson(output: StreamOutput): Record<string, unknown> {
  switch (output.kind) {
    case 'message':
      return {
        type: 'message',
        seq: output.seq,
        version: output.version,
        message: output.message,
        inserted_at: output.insertedAt,
      };
    case 'tombstone':
      return { type: 'tombstone', seq: output.seq, reason: output.reason, inserted_at: output.insertedAt };
    case 'gap':
      return { type: 'gap', expected: output.expected, actual: output.actual };
    case 'deleted':
      return { type: 'conversation_deleted', last_seq: output.lastSeq };
  }
}
