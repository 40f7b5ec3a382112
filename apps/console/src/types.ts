/** The REST API's shapes the console reads (docs/api.md). */

export interface Conversation {
  id: string;
  version: number;
  tombstoned: boolean;
  last_seq: number;
  archived_seq: number;
  metadata: Record<string, unknown>;
  participants: Array<{ id: string; kind: string }>;
  created_at: string;
  updated_at: string;
}

export interface ConversationPage {
  conversations: Conversation[];
  next_cursor: string | null;
}

export interface Part {
  type: string;
  [field: string]: unknown;
}

export interface MessageEntry {
  seq: number;
  kind: 'message';
  version: number;
  role: string;
  parts: Part[];
  metadata: Record<string, unknown>;
  actor: string | null;
  inserted_at: string;
}

export interface TombstoneEntry {
  seq: number;
  kind: 'tombstone';
  reason: string;
  inserted_at?: string;
}

export type LogEntry = MessageEntry | TombstoneEntry;

export interface LogPage {
  messages: LogEntry[];
  next_cursor: number | null;
}

export type RunStatus = 'streaming' | 'committed' | 'failed' | 'cancelled';

export interface Run {
  run_id: string;
  conversation_id: string;
  status: RunStatus;
  actor: string | null;
  reason: string | null;
  last_run_seq: number;
  created_at: string;
}

export interface RunPage {
  runs: Run[];
  next_cursor: string | null;
}

export interface Agent {
  id: string;
  name: string | null;
  webhook_url: string;
  timeout_ms: number;
  max_attempts: number;
  status: 'enabled' | 'disabled';
  previous_secret_expires_at: string | null;
  updated_at: string;
}

export interface AgentWithSecret extends Agent {
  signing_secret: string;
}

export interface AgentPage {
  agents: Agent[];
  next_cursor: string | null;
}

export type DeliveryStatus = 'pending' | 'replying' | 'succeeded' | 'failed' | 'dead';

export interface Delivery {
  id: string;
  agent_id: string;
  conversation_id: string;
  first_seq: number;
  last_seq: number;
  status: DeliveryStatus;
  attempts: number;
  attempts_allowed: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
}

export interface Attempt {
  attempt: number;
  started_at: string;
  duration_ms: number;
  http_status: number | null;
  response_excerpt: string | null;
  error: string | null;
}

export interface DeliveryDetail extends Delivery {
  attempt_log: Attempt[];
}

export interface DeliveryPage {
  deliveries: Delivery[];
  next_cursor: string | null;
}
