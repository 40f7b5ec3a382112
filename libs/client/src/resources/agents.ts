import { CallOptions } from '../options';
import { Transport, segment } from '../http/transport';

export interface AgentInput {
  id: string;
  name?: string | null;
  webhook_url: string;
  headers?: Record<string, string>;
  timeout_ms?: number;
  max_attempts?: number;
  history?: { mode: 'none' } | { mode: 'tail'; limit?: number } | { mode: 'entire' };
  debounce_ms?: number;
  status?: 'enabled' | 'disabled';
}

export interface Agent extends Required<Omit<AgentInput, 'name'>> {
  name: string | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Delivery {
  id: string;
  agent_id: string;
  conversation_id: string;
  first_seq: number;
  last_seq: number;
  status: 'pending' | 'replying' | 'succeeded' | 'failed' | 'dead';
  attempts: number;
  attempts_allowed: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  [field: string]: unknown;
}

/** The tenant's agents (scope `agents:manage`; docs/agents.md). */
export class Agents {
  constructor(private readonly transport: Transport) {}

  /** Registers an agent; the answer holds its `signing_secret`, shown only here. */
  create(agent: AgentInput, options: CallOptions = {}): Promise<Agent & { signing_secret: string }> {
    return this.transport.request('POST', '/v1/agents', { body: agent, idempotent: false, signal: options.signal });
  }

  list(
    options: CallOptions & { limit?: number; cursor?: string } = {},
  ): Promise<{ agents: Agent[]; next_cursor: string | null }> {
    const query = { limit: options.limit, cursor: options.cursor };
    return this.transport.request('GET', '/v1/agents', { query, idempotent: true, signal: options.signal });
  }

  get(id: string, options: CallOptions = {}): Promise<Agent> {
    return this.transport.request('GET', `/v1/agents/${segment(id)}`, { idempotent: true, signal: options.signal });
  }

  update(id: string, changes: Partial<Omit<AgentInput, 'id'>>, options: CallOptions = {}): Promise<Agent> {
    return this.transport.request('PATCH', `/v1/agents/${segment(id)}`, {
      body: changes,
      idempotent: true,
      signal: options.signal,
    });
  }

  /** Disables the agent (its deliveries are kept). */
  async disable(id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.request('DELETE', `/v1/agents/${segment(id)}`, { idempotent: true, signal: options.signal });
  }

  rotateSecret(id: string, options: CallOptions = {}): Promise<Agent & { signing_secret: string }> {
    return this.transport.request('POST', `/v1/agents/${segment(id)}/rotate-secret`, {
      idempotent: false,
      signal: options.signal,
    });
  }

  deliveries(
    id: string,
    options: CallOptions & {
      status?: Delivery['status'];
      conversationId?: string;
      limit?: number;
      cursor?: string;
    } = {},
  ): Promise<{ deliveries: Delivery[]; next_cursor: string | null }> {
    const query = {
      status: options.status,
      conversation_id: options.conversationId,
      limit: options.limit,
      cursor: options.cursor,
    };
    return this.transport.request('GET', `/v1/agents/${segment(id)}/deliveries`, {
      query,
      idempotent: true,
      signal: options.signal,
    });
  }
}

/** Deliveries of messages to agents (scope `agents:manage`, replies `deliveries:reply`). */
export class Deliveries {
  constructor(private readonly transport: Transport) {}

  get(id: string, options: CallOptions = {}): Promise<Delivery & { messages: unknown[]; attempt_log: unknown[] }> {
    return this.transport.request('GET', `/v1/deliveries/${segment(id)}`, { idempotent: true, signal: options.signal });
  }

  /** Sends a `dead` or `failed` delivery again under the same id. */
  redeliver(id: string, options: CallOptions = {}): Promise<Delivery> {
    return this.transport.request('POST', `/v1/deliveries/${segment(id)}/redeliver`, {
      idempotent: false,
      signal: options.signal,
    });
  }
}
