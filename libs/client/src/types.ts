/** The shapes the REST API answers (docs/api.md), as the SDK returns them. */

export interface Part {
  type: string;
  [field: string]: unknown;
}

/** What a client sends: `role` and `parts`, optional `metadata` and `token_count`. */
export interface MessageInput {
  role: string;
  parts: Part[];
  metadata?: Record<string, unknown>;
  token_count?: number;
}

/** A message of the log, read over REST or received live (live frames carry no actor or producer pair). */
export interface Message {
  seq: number;
  version: number;
  role: string;
  parts: Part[];
  metadata: Record<string, unknown>;
  token_count: number;
  actor: string | null;
  producer_id: string | null;
  producer_seq: number | null;
  inserted_at: string;
}

/** A seq settled without a message. */
export interface Tombstone {
  seq: number;
  reason: string;
  inserted_at?: string;
}

/** An entry of a REST page: a message or a tombstone. */
export type LogEntry = ({ kind: 'message' } & Message) | ({ kind: 'tombstone' } & Tombstone);

export interface Page {
  messages: LogEntry[];
  next_cursor: number | null;
  consistency: 'strong' | 'eventual' | 'stale';
}

export interface Participant {
  id: string;
  kind: 'user' | 'agent' | 'system';
}

export interface ConversationRecord {
  id: string;
  version: number;
  tombstoned: boolean;
  last_seq: number;
  archived_seq: number;
  metadata: Record<string, unknown>;
  participants: Participant[];
  parent: { conversation_id: string; at_seq: number } | null;
  created_at: string;
  updated_at: string;
}

export interface AppendResult {
  seq: number;
  version: number;
  token_count: number;
  deduped: boolean;
}

/** One event of a run (docs/runs.md): `kind` and the kind's fields. */
export interface RunEventInput {
  kind: string;
  [field: string]: unknown;
}

export interface RunEvent extends RunEventInput {
  run_seq: number;
}

export interface RunRecord {
  run_id: string;
  conversation_id: string;
  status: 'streaming' | 'committed' | 'failed' | 'cancelled';
  actor: string | null;
  parent_seq: number | null;
  metadata: Record<string, unknown>;
  last_run_seq: number;
  reason?: string | null;
  error_message?: string | null;
  message_seqs?: number[];
  created_at: string;
  finished_at?: string | null;
}

/** A live run frame: an event of a run (`run_event`) or its end (`run_status`). */
export type RunFrame =
  | ({ type: 'run_event'; run_id: string } & RunEvent)
  | {
      type: 'run_status';
      run_id: string;
      status: 'committed' | 'failed' | 'cancelled';
      reason: string | null;
      last_run_seq: number;
      message_seqs: number[];
    };
