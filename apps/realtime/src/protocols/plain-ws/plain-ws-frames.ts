import { RunStatusOutput, SubscriberOutput } from '../../stream/run-output';

/** The `type` of each kind of frame (also the SSE `event:` name). */
export const FRAME_TYPES: Record<SubscriberOutput['kind'], string> = {
  message: 'message',
  tombstone: 'tombstone',
  gap: 'gap',
  deleted: 'conversation_deleted',
  run_event: 'run_event',
  run_status: 'run_status',
};

/** A stream output as a plain-WebSocket JSON text frame (also the SSE `data:` line). */
export function outputJson(output: SubscriberOutput): Record<string, unknown> {
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
    case 'run_event':
      return { type: FRAME_TYPES.run_event, run_id: output.runId, ...output.event };
    case 'run_status':
      return runStatusJson(output);
  }
}

/** Encoded frames by output: an entry is shared by every subscriber of its conversation and encoded once. */
const encoded = new WeakMap<SubscriberOutput, string>();

/** `outputJson` as JSON text, computed once per output object. */
export function outputText(output: SubscriberOutput): string {
  let text = encoded.get(output);
  if (text === undefined) {
    text = JSON.stringify(outputJson(output));
    encoded.set(output, text);
  }
  return text;
}

/** A run's end: `{type: 'run_status', run_id, status, reason, last_run_seq, message_seqs}` (every protocol). */
export function runStatusJson(output: RunStatusOutput): Record<string, unknown> {
  return {
    type: FRAME_TYPES.run_status,
    run_id: output.runId,
    status: output.status,
    reason: output.reason,
    last_run_seq: output.lastRunSeq,
    message_seqs: output.messageSeqs,
  };
}
