import { CallOptions } from '../options';
import { Transport, segment } from '../http/transport';

/** A session record (Starcite's shape; a session is a conversation). */
export interface SessionRecord {
  id: string;
  title: string | null;
  metadata: Record<string, unknown>;
  last_seq: number;
  version: number;
  archived: boolean;
  created_at: string;
  updated_at: string;
  creator_principal: { tenant_id: string; id: string; type: string } | null;
}

export interface SessionEventInput {
  type: string;
  payload: Record<string, unknown>;
  actor?: string;
  source?: string;
  metadata?: Record<string, unknown>;
  refs?: Record<string, unknown>;
  idempotency_key?: string;
  expected_seq?: number;
}

export interface SessionEvent {
  seq: number;
  cursor: number;
  type: string;
  payload: Record<string, unknown>;
  actor: string | null;
  producer_id: string | null;
  producer_seq: number | null;
  source: string | null;
  metadata: Record<string, unknown>;
  refs: Record<string, unknown>;
  inserted_at: string;
}

/** Starcite's session API (docs/api.md, "Sessions"); appends carry the client's producer pair. */
export class Sessions {
  constructor(
    private readonly transport: Transport,
    private readonly nextPair: () => { producer_id: string; producer_seq: number },
  ) {}

  create(
    session: { id?: string; title?: string; metadata?: Record<string, unknown> } = {},
    options: CallOptions = {},
  ): Promise<SessionRecord> {
    return this.transport.request('POST', '/v1/sessions', { body: session, idempotent: false, signal: options.signal });
  }

  get(id: string, options: CallOptions = {}): Promise<SessionRecord> {
    return this.transport.request('GET', `/v1/sessions/${segment(id)}`, { idempotent: true, signal: options.signal });
  }

  list(
    options: CallOptions & { limit?: number; cursor?: string; archived?: 'true' | 'false' | 'all' } = {},
  ): Promise<{ sessions: SessionRecord[]; next_cursor: string | null }> {
    const query = { limit: options.limit, cursor: options.cursor, archived: options.archived };
    return this.transport.request('GET', '/v1/sessions', { query, idempotent: true, signal: options.signal });
  }

  update(
    id: string,
    changes: { title?: string | null; metadata?: Record<string, unknown>; expected_version?: number },
    options: CallOptions = {},
  ): Promise<SessionRecord> {
    return this.transport.request('PATCH', `/v1/sessions/${segment(id)}`, {
      body: changes,
      idempotent: true,
      signal: options.signal,
    });
  }

  archive(id: string, archived = true, options: CallOptions = {}): Promise<SessionRecord> {
    const action = archived ? 'archive' : 'unarchive';
    return this.transport.request('POST', `/v1/sessions/${segment(id)}/${action}`, {
      idempotent: true,
      signal: options.signal,
    });
  }

  append(
    id: string,
    event: SessionEventInput,
    options: CallOptions = {},
  ): Promise<{ seq: number; last_seq: number; deduped: boolean }> {
    return this.transport.request('POST', `/v1/sessions/${segment(id)}/append`, {
      body: { ...event, ...this.nextPair() },
      idempotent: true,
      signal: options.signal,
    });
  }

  events(
    id: string,
    options: CallOptions & { cursor?: number; limit?: number } = {},
  ): Promise<{ events: SessionEvent[]; next_cursor: number }> {
    const query = { cursor: options.cursor, limit: options.limit };
    return this.transport.request('GET', `/v1/sessions/${segment(id)}/events`, {
      query,
      idempotent: true,
      signal: options.signal,
    });
  }
}
