import { randomUUID } from 'node:crypto';
import {
  ConversationRef,
  RUN_RECORD_SCHEMA_VERSION,
  RunEndReason,
  RunEventBody,
  RunRecordType,
  RunStartedRecord,
} from '@threadline/contracts';
import type { SplitRecord } from './run-index.service';

/** The number Redis decides, as it stands in the record before Redis writes it. */
const PLACEHOLDER = 0;

function envelope(ref: ConversationRef, runId: string): Omit<RunStartedRecord, 'type' | 'data'> {
  return {
    schema_version: RUN_RECORD_SCHEMA_VERSION,
    event_id: randomUUID(),
    tenant_id: ref.tenantId,
    conversation_id: ref.conversationId,
    run_id: runId,
    occurred_at: new Date().toISOString(),
  };
}

export function runStartedRecord(
  ref: ConversationRef,
  runId: string,
  data: RunStartedRecord['data'],
  occurredAt: Date,
): RunStartedRecord {
  return { ...envelope(ref, runId), occurred_at: occurredAt.toISOString(), type: RunRecordType.Started, data };
}

/**
 * Splits a record's JSON around one number field so that Redis can put the
 * number it decides in, atomically with the decision. The field is found by its
 * key followed by the placeholder: inside a JSON string a `"` is always escaped,
 * so only the field itself can match.
 */
function split(json: string, field: string, eventId: string): SplitRecord {
  const marker = `"${field}":${PLACEHOLDER}`;
  const at = json.indexOf(marker);
  return { head: json.slice(0, at + marker.length - 1), tail: json.slice(at + marker.length), eventId };
}

/** A run.events record whose from_run_seq Redis fills in. */
export function runEventsRecord(ref: ConversationRef, runId: string, events: RunEventBody[]): SplitRecord {
  const record = {
    ...envelope(ref, runId),
    type: RunRecordType.Events,
    data: { from_run_seq: PLACEHOLDER, events },
  };
  return split(JSON.stringify(record), 'from_run_seq', record.event_id);
}

/** A run.finished record whose last_run_seq Redis fills in. */
export function runFinishedRecord(
  ref: ConversationRef,
  runId: string,
  end: {
    status: 'committed' | 'failed' | 'cancelled';
    reason: RunEndReason | null;
    message: string | null;
    messageSeqs: number[];
  },
): SplitRecord {
  const record = {
    ...envelope(ref, runId),
    type: RunRecordType.Finished,
    data: {
      status: end.status,
      reason: end.reason,
      message: end.message,
      last_run_seq: PLACEHOLDER,
      message_seqs: end.messageSeqs,
    },
  };
  return split(JSON.stringify(record), 'last_run_seq', record.event_id);
}
