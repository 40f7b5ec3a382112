import { randomUUID } from 'node:crypto';
import {
  DEFAULT_TENANT,
  RUN_RECORD_SCHEMA_VERSION,
  RunEndReason,
  RunEventBody,
  RunEventsRecord,
  RunFinishedRecord,
  RunRecordType,
  RunStartedRecord,
} from '@threadline/contracts';
import { Conversation } from './event-builder';

/**
 * Runs topic records built by hand for tests, as the command would produce them:
 * a new event id each and `occurred_at` now unless given. A conversation given by
 * id alone is the default tenant's. Production builds them in apps/command.
 */
function envelope(conversation: Conversation, runId: string, occurredAt: string) {
  const ref =
    typeof conversation === 'string' ? { tenantId: DEFAULT_TENANT, conversationId: conversation } : conversation;
  return {
    schema_version: RUN_RECORD_SCHEMA_VERSION,
    event_id: randomUUID(),
    tenant_id: ref.tenantId,
    conversation_id: ref.conversationId,
    run_id: runId,
    occurred_at: occurredAt,
  } as const;
}

const now = () => new Date().toISOString();

export function runStarted(
  conversation: Conversation,
  runId: string,
  options: { actor?: string; parentSeq?: number | null; metadata?: Record<string, unknown>; at?: string } = {},
): RunStartedRecord {
  return {
    ...envelope(conversation, runId, options.at ?? now()),
    type: RunRecordType.Started,
    data: {
      actor: options.actor ?? 'service:anonymous',
      parent_seq: options.parentSeq ?? null,
      metadata: options.metadata ?? {},
    },
  };
}

/** A batch whose first event has run_seq `fromRunSeq`. */
export function runEvents(
  conversation: Conversation,
  runId: string,
  fromRunSeq: number,
  events: RunEventBody[],
  at = now(),
): RunEventsRecord {
  return {
    ...envelope(conversation, runId, at),
    type: RunRecordType.Events,
    data: { from_run_seq: fromRunSeq, events },
  };
}

/** Text deltas `prefix<n>` for run_seq from..to, as one batch. */
export function textDeltas(conversation: Conversation, runId: string, from: number, to: number, prefix = 'd') {
  const events: RunEventBody[] = [];
  for (let seq = from; seq <= to; seq++) {
    events.push({ kind: 'text-delta', delta: `${prefix}${seq} ` });
  }
  return runEvents(conversation, runId, from, events);
}

export function runFinished(
  conversation: Conversation,
  runId: string,
  end: {
    status: RunFinishedRecord['data']['status'];
    lastRunSeq: number;
    reason?: RunEndReason | null;
    message?: string | null;
    messageSeqs?: number[];
    at?: string;
  },
): RunFinishedRecord {
  return {
    ...envelope(conversation, runId, end.at ?? now()),
    type: RunRecordType.Finished,
    data: {
      status: end.status,
      reason: end.reason ?? null,
      message: end.message ?? null,
      last_run_seq: end.lastRunSeq,
      message_seqs: end.messageSeqs ?? [],
    },
  };
}
