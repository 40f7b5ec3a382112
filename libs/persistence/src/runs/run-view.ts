import { z } from 'zod';
import { RUN_END_REASONS, RUN_STATUSES, RunEvent } from '@threadline/contracts';

/** A run as the API answers it (GET /v1/runs/{id}, lists, realtime's run_status frames). */
export const runViewSchema = z.object({
  run_id: z.string(),
  conversation_id: z.string(),
  status: z.enum(RUN_STATUSES),
  actor: z.string(),
  parent_seq: z.number().int().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  last_run_seq: z.number().int(),
  reason: z.enum(RUN_END_REASONS).nullable(),
  error_message: z.string().nullable(),
  message_seqs: z.array(z.number().int()),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});

export type RunView = z.infer<typeof runViewSchema>;

/** A row of `runs` as RunsReader selects it. */
export interface RunSqlRow {
  run_id: string;
  conversation_id: string;
  status: RunView['status'];
  actor: string;
  parent_seq: string | null;
  metadata: Record<string, unknown>;
  last_run_seq: string;
  reason: RunView['reason'];
  error_message: string | null;
  message_seqs: string[];
  created_at: Date;
  finished_at: Date | null;
}

export const RUN_COLUMNS = `run_id, conversation_id, status, actor, parent_seq, metadata, last_run_seq, reason,
  error_message, message_seqs, created_at, finished_at`;

export function toRunView(row: RunSqlRow): RunView {
  return {
    run_id: row.run_id,
    conversation_id: row.conversation_id,
    status: row.status,
    actor: row.actor,
    parent_seq: row.parent_seq === null ? null : Number(row.parent_seq),
    metadata: row.metadata,
    last_run_seq: Number(row.last_run_seq),
    reason: row.reason,
    error_message: row.error_message,
    message_seqs: row.message_seqs.map(Number),
    created_at: row.created_at.toISOString(),
    finished_at: row.finished_at === null ? null : row.finished_at.toISOString(),
  };
}

/** A row of `run_events`: the body holds the kind's fields, `kind` included. */
export interface RunEventSqlRow {
  run_seq: string;
  body: Record<string, unknown>;
}

export function toRunEvent(row: RunEventSqlRow): RunEvent {
  return { ...(row.body as Omit<RunEvent, 'run_seq'>), run_seq: Number(row.run_seq) } as RunEvent;
}
