import { z } from 'zod';
import { tenantIdSchema } from '../tenant';
import { runEventBodySchema, runIdSchema, runMetadataSchema } from './run-event.schema';

/**
 * The runs topic: a public, versioned contract beside the conversation topic
 * (docs/events.md, "The runs topic"). Records are keyed by the conversation's key,
 * so a conversation's runs share one partition and every consumer reads one run's
 * records in the same order. Additive changes keep RUN_RECORD_SCHEMA_VERSION.
 */
export const RUN_RECORD_SCHEMA_VERSION = 1;

export const RunRecordType = {
  Started: 'run.started',
  Events: 'run.events',
  Finished: 'run.finished',
} as const;

export type RunRecordTypeName = (typeof RunRecordType)[keyof typeof RunRecordType];

/** Why a run ended as failed or cancelled (null for committed). */
export const RUN_END_REASONS = [
  /** The writer (or any principal with write access, for a cancel) asked for it. */
  'requested',
  /** No event for RUN_IDLE_TIMEOUT_MS. */
  'abandoned',
  /** An error chunk ended the piped UI message stream. */
  'stream_error',
  /** The head index lost the run's state (Redis restarted empty) while it streamed. */
  'index_lost',
  /**
   * The commit's message was refused for good (larger than LIMIT_MESSAGE_BYTES or
   * LIMIT_PARTS, the conversation deleted): the run ends failed, nothing appended.
   */
  'commit_refused',
] as const;
export type RunEndReason = (typeof RUN_END_REASONS)[number];

const envelope = {
  schema_version: z.literal(RUN_RECORD_SCHEMA_VERSION),
  event_id: z.uuid(),
  tenant_id: tenantIdSchema,
  conversation_id: z.string().regex(/^[^/]+$/, 'conversation_id must be non-empty and hold no "/"'),
  run_id: runIdSchema,
  occurred_at: z.iso.datetime({ offset: true }),
};

export const runStartedRecordSchema = z.object({
  ...envelope,
  type: z.literal(RunRecordType.Started),
  data: z.object({
    /** The authenticated subject that started the run (`<type>:<id>`). */
    actor: z.string().min(1),
    /** The conversation seq the run answers, when the writer named one. */
    parent_seq: z.number().int().min(0).nullable(),
    metadata: runMetadataSchema,
  }),
});

/** One accepted batch: `events[i]` has run_seq `from_run_seq + i`. */
export const runEventsRecordSchema = z.object({
  ...envelope,
  type: z.literal(RunRecordType.Events),
  data: z.object({
    from_run_seq: z.number().int().min(1),
    events: z.array(runEventBodySchema).min(1),
  }),
});

/** The run's end: nothing of it after this record counts. */
export const runFinishedRecordSchema = z.object({
  ...envelope,
  type: z.literal(RunRecordType.Finished),
  data: z.object({
    status: z.enum(['committed', 'failed', 'cancelled']),
    reason: z.enum(RUN_END_REASONS).nullable(),
    /** A human-readable cause for a failure (`POST .../fail` message, the stream's error text). */
    message: z.string().nullable(),
    /** The run's last event; every event up to it is in the topic before this record. */
    last_run_seq: z.number().int().min(0),
    /** The conversation seqs its commit appended (empty unless committed). */
    message_seqs: z.array(z.number().int().min(1)),
  }),
});

export const runRecordSchema = z.discriminatedUnion('type', [
  runStartedRecordSchema,
  runEventsRecordSchema,
  runFinishedRecordSchema,
]);

export type RunStartedRecord = z.infer<typeof runStartedRecordSchema>;
export type RunEventsRecord = z.infer<typeof runEventsRecordSchema>;
export type RunFinishedRecord = z.infer<typeof runFinishedRecordSchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;
