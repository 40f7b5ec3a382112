import { ClientContext } from './context';
import { Conversation } from './conversation';
import { segment, Transport } from './http/transport';
import { CallOptions, ClientOptions, realtimeUrlOf } from './options';
import { ProducerSequence } from './producer';
import { Agents, Deliveries } from './resources/agents';
import { Keys } from './resources/keys';
import { Sessions } from './resources/sessions';
import { Run, RunEnd } from './run';
import { subscribeRun, SubscribeRunOptions } from './run-subscription';
import { ConversationRecord, Participant, RunEvent } from './types';

export interface InboxEntry {
  id: string;
  unread_count: number;
  last_seq: number;
  last_activity_at: string;
  last_sender: string | null;
  preview: string | null;
  read_seq: number;
}

export interface ListConversationsOptions extends CallOptions {
  limit?: number;
  cursor?: string;
  archived?: 'true' | 'false' | 'all';
  /** Exact matches on top-level metadata keys whose value is that string. */
  metadata?: Record<string, string>;
}

/** A Threadline client: one producer id, one credential source, shared by every handle it gives. */
export class ThreadlineClient {
  readonly agents: Agents;
  readonly deliveries: Deliveries;
  readonly sessions: Sessions;
  readonly keys: Keys;
  private readonly ctx: ClientContext;

  constructor(options: ClientOptions) {
    const transport = new Transport(options);
    const producer = new ProducerSequence(options.producerId);
    this.ctx = { transport, producer, realtimeUrl: realtimeUrlOf(options), WebSocket: options.WebSocket };
    this.agents = new Agents(transport);
    this.deliveries = new Deliveries(transport);
    this.sessions = new Sessions(transport, () => producer.next());
    this.keys = new Keys(transport);
  }

  /** The producer id of this client's appends. */
  get producerId(): string {
    return this.ctx.producer.producerId;
  }

  /** Creates the conversation, or opens the existing one (its metadata unchanged); a handle to it. */
  async conversation(
    id: string,
    options: CallOptions & { metadata?: Record<string, unknown>; participants?: Participant[] } = {},
  ): Promise<Conversation> {
    await this.ctx.transport.request('PUT', `/v1/conversations/${segment(id)}`, {
      body: { metadata: options.metadata, participants: options.participants },
      idempotent: true,
      signal: options.signal,
    });
    return this.handle(id);
  }

  /** A handle to a conversation, without a request. */
  handle(id: string): Conversation {
    return new Conversation(id, this.ctx);
  }

  getConversation(id: string, options: CallOptions = {}): Promise<ConversationRecord> {
    return this.handle(id).get(options);
  }

  tombstoneConversation(id: string, options: CallOptions = {}): Promise<void> {
    return this.handle(id).delete(options);
  }

  listConversations(
    options: ListConversationsOptions = {},
  ): Promise<{ conversations: ConversationRecord[]; next_cursor: string | null }> {
    const query: Record<string, string | number | undefined> = {
      limit: options.limit,
      cursor: options.cursor,
      archived: options.archived,
    };
    for (const [key, value] of Object.entries(options.metadata ?? {})) {
      query[`metadata.${key}`] = value;
    }
    return this.ctx.transport.request('GET', '/v1/conversations', { query, idempotent: true, signal: options.signal });
  }

  /** The conversations a participant is in, newest activity first. */
  inbox(
    participantId: string,
    options: CallOptions & { cursor?: string; limit?: number } = {},
  ): Promise<{ conversations: InboxEntry[]; next_cursor: string | null }> {
    return this.ctx.transport.request('GET', `/v1/participants/${segment(participantId)}/inbox`, {
      query: { cursor: options.cursor, limit: options.limit },
      idempotent: true,
      signal: options.signal,
    });
  }

  /** A handle to a run (to push to, commit, cancel or read). */
  run(runId: string): Run {
    return new Run(runId, this.ctx);
  }

  /**
   * A run's events after `fromSeq`, each once, in run_seq order, live from the realtime stream (repaired and,
   * while the stream is silent or down, carried on by the REST replay); the generator returns the run's end.
   */
  subscribeRun(runId: string, options: SubscribeRunOptions = {}): AsyncGenerator<RunEvent, RunEnd> {
    return subscribeRun(this.run(runId), (id) => this.handle(id), options);
  }
}

export function createClient(options: ClientOptions): ThreadlineClient {
  return new ThreadlineClient(options);
}
