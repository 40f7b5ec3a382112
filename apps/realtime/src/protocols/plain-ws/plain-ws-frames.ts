import { StreamOutput } from '../../stream/stream-entry';

/** The `type` of each kind of frame (also the SSE `event:` name). */
export const FRAME_TYPES: Record<StreamOutput['kind'], string> = {
  message: 'message',
  tombstone: 'tombstone',
  gap: 'gap',
  deleted: 'conversation_deleted',
};

/** A stream output as a plain-WebSocket JSON text frame (also the SSE `data:` line). */
export function outputJson(output: StreamOutput): Record<string, unknown> {
  switch (output.kind) {
    case 'message':
      return {
        type: FRAME_TYPES.message,
        seq: output.seq,
        version: output.version,
        message: output.message,
        inserted_at: output.insertedAt,
      };
    case 'tombstone':
      return { type: FRAME_TYPES.tombstone, seq: output.seq, reason: output.reason, inserted_at: output.insertedAt };
    case 'gap':
      return { type: FRAME_TYPES.gap, expected: output.expected, actual: output.actual };
    case 'deleted':
      return { type: FRAME_TYPES.deleted, last_seq: output.lastSeq };
  }
}

/** Encoded frames by output: an entry is shared by every subscriber of its conversation and encoded once. */
const encoded = new WeakMap<StreamOutput, string>();

/** `outputJson` as JSON text, computed once per output object. */
export function outputText(output: StreamOutput): string {
  let text = encoded.get(output);
  if (text === undefined) {
    text = JSON.stringify(outputJson(output));
    encoded.set(output, text);
  }
  return text;
}
