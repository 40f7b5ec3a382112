import {
  advanceRunProgress,
  FinalRunStatus,
  planRunRecord,
  RunEndReason,
  RunEvent,
  RunProgress,
  RunRecord,
  RunRecordSkip,
  RunRecordType,
} from '@threadline/contracts';
import { PoisonRecord } from '../projection/batch-plan';

/** One record of a runs topic chunk: decoded, or undecodable (the poison rule). */
export type RunChunkRecord =
  | { offset: number; kind: 'record'; record: RunRecord }
  | { offset: number; kind: 'poison'; reason: string; key: Buffer | null; value: Buffer | null };

/** A run's identity in Postgres: run ids are unique per tenant. */
export interface RunKey {
  tenantId: string;
  runId: string;
}

export function runKeyOf(key: RunKey): string {
  return JSON.stringify([key.tenantId, key.runId]);
}

/** A run's row as its `run.started` creates it. */
export interface NewRunRow extends RunKey {
  conversationId: string;
  actor: string;
  parentSeq: number | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface RunEventRow extends RunKey {
  event: RunEvent;
  createdAt: string;
}

/** The end of a run as its `run.finished` records it. */
export interface RunEnd {
  status: FinalRunStatus;
  reason: RunEndReason | null;
  errorMessage: string | null;
  messageSeqs: number[];
  finishedAt: string;
}

/** A run's state after the chunk, for every run the chunk changed. */
export interface RunChange extends RunKey {
  lastRunSeq: number;
  end: RunEnd | null;
}

export interface SkippedRunRecord {
  offset: number;
  why: RunRecordSkip;
  runId: string;
  tenantId: string;
}

/** A run that ended at another run_seq than the last event this consumer applied (events were skipped as a gap). */
export interface UnevenRunEnd extends RunKey {
  offset: number;
  recorded: number;
  applied: number;
}

export interface RunChunkPlan {
  starts: NewRunRow[];
  events: RunEventRow[];
  changes: RunChange[];
  skipped: SkippedRunRecord[];
  unevenEnds: UnevenRunEnd[];
  /** Undecodable records, quarantined with their raw bytes like the conversation topic's. */
  poison: PoisonRecord[];
}

/** The runs a chunk's records name, each once: the ones whose progress the writer reads. */
export function runsOfChunk(records: readonly RunChunkRecord[]): RunKey[] {
  const keys = new Map<string, RunKey>();
  for (const entry of records) {
    if (entry.kind === 'record') {
      const key = { tenantId: entry.record.tenant_id, runId: entry.record.run_id };
      keys.set(runKeyOf(key), key);
    }
  }
  return [...keys.values()];
}

/**
 * Plans a chunk of the runs topic (records in offset order, none below the
 * stored offset) from the runs' progress as stored: planRunRecord per record,
 * each run's progress carried from record to record. What it yields is what the
 * writer inserts and updates; skipped and poison records are only reported.
 */
export function planRunChunk(
  records: readonly RunChunkRecord[],
  stored: ReadonlyMap<string, RunProgress>,
): RunChunkPlan {
  const plan: RunChunkPlan = { starts: [], events: [], changes: [], skipped: [], unevenEnds: [], poison: [] };
  const progress = new Map(stored);
  const changes = new Map<string, RunChange>();
  for (const entry of records) {
    if (entry.kind === 'poison') {
      const { offset, reason, key, value } = entry;
      plan.poison.push({ offset, reason, key, value, tenantId: null, conversationId: null, seq: null });
      continue;
    }
    const { record } = entry;
    const key = { tenantId: record.tenant_id, runId: record.run_id };
    const id = runKeyOf(key);
    const before = progress.get(id);
    const decision = planRunRecord(before, record);
    const after = advanceRunProgress(before, record, decision);
    if (after) {
      progress.set(id, after);
    }
    if (decision.kind === 'skip') {
      plan.skipped.push({ offset: entry.offset, why: decision.why, ...key });
      continue;
    }
    const change: RunChange = changes.get(id) ?? { ...key, lastRunSeq: 0, end: null };
    change.lastRunSeq = (after as RunProgress).lastRunSeq;
    changes.set(id, change);
    switch (record.type) {
      case RunRecordType.Started:
        plan.starts.push({
          ...key,
          conversationId: record.conversation_id,
          actor: record.data.actor,
          parentSeq: record.data.parent_seq,
          metadata: record.data.metadata,
          createdAt: record.occurred_at,
        });
        break;
      case RunRecordType.Events:
        for (const event of decision.kind === 'events' ? decision.events : []) {
          plan.events.push({ ...key, event, createdAt: record.occurred_at });
        }
        break;
      case RunRecordType.Finished:
        if (record.data.last_run_seq !== change.lastRunSeq) {
          const { last_run_seq: recorded } = record.data;
          plan.unevenEnds.push({ ...key, offset: entry.offset, recorded, applied: change.lastRunSeq });
        }
        change.end = {
          status: record.data.status,
          reason: record.data.reason,
          errorMessage: record.data.message,
          messageSeqs: record.data.message_seqs,
          finishedAt: record.occurred_at,
        };
        break;
    }
  }
  plan.changes = [...changes.values()];
  return plan;
}
