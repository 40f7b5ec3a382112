import { CallOptions } from './options';
import { ClientContext } from './context';
import { segment } from './http/transport';
import { sleep } from './http/sleep';
import { AsyncQueue } from './realtime/async-queue';
import { settledFromEntry } from './realtime/frames';
import { LiveStream, SubscribeHandlers } from './realtime/live-stream';
import { resolveWebSocket } from './realtime/websocket-like';
import { Run } from './run';
import {
  AppendResult,
  ConversationRecord,
  Message,
  MessageInput,
  Page,
  Participant,
  RunFrame,
  RunRecord,
  Tombstone,
} from './types';

export type Consistency = 'strong' | 'eventual';

export interface SubscribeOptions extends SubscribeHandlers, CallOptions {
  /** The last seq the caller has; live from the conversation's head now when left out. */
  cursor?: number;
  /** Per run, the last run_seq the caller has: its events after it (every run still streaming from 1 otherwise). */
  runCursors?: Record<string, number>;
}

/** What the async-iterator form of a subscription yields, in order. */
export type StreamItem =
  | { type: 'message'; message: Message }
  | { type: 'tombstone'; tombstone: Tombstone }
  | { type: 'gap'; expected: number; actual: number }
  | RunFrame;

export interface Subscription {
  /** Resolves when the subscription ends (closed, aborted, the conversation deleted); rejects on a lasting error. */
  readonly done: Promise<void>;
  /** The last seq delivered. */
  readonly lastSeq: number;
  close(): void;
}

/** One conversation: appends, reads, the live stream and runs. */
export class Conversation {
  private readonly path: string;

  constructor(
    readonly id: string,
    private readonly ctx: ClientContext,
  ) {
    this.path = `/v1/conversations/${segment(id)}`;
  }

  get(options: CallOptions = {}): Promise<ConversationRecord> {
    return this.ctx.transport.request('GET', this.path, { idempotent: true, signal: options.signal });
  }

  /**
   * Appends a message with this client's next producer pair, so retries after a timeout or a 5xx are answered with
   * the original seq (`deduped: true`) instead of writing twice. `ifVersion`: append only at that version
   * (else ConflictError with `currentVersion`).
   */
  append(message: MessageInput, options: CallOptions & { ifVersion?: number } = {}): Promise<AppendResult> {
    return this.appendAs(message, this.ctx.producer.next(), options);
  }

  /**
   * Appends with a producer pair of the caller's (an importer numbering by source seq, a worker restarting with
   * its own counter): the same pair with the same content is answered with the original seq, never written twice.
   */
  appendAs(
    message: MessageInput,
    pair: { producer_id: string; producer_seq: number },
    options: CallOptions & { ifVersion?: number } = {},
  ): Promise<AppendResult> {
    const body = { message, ...(options.ifVersion === undefined ? {} : { if_version: options.ifVersion }), ...pair };
    return this.ctx.transport.request('POST', `${this.path}/messages`, {
      body,
      idempotent: true,
      signal: options.signal,
    });
  }

  /** The newest messages, skipping the `offset` newest seqs (FleetLM's tail). */
  tail(options: CallOptions & { offset?: number; limit?: number; consistency?: Consistency } = {}): Promise<Page> {
    const query = { offset: options.offset, limit: options.limit, consistency: options.consistency };
    return this.ctx.transport.request('GET', `${this.path}/tail`, { query, idempotent: true, signal: options.signal });
  }

  /** Replay from seq `from` (inclusive), ascending. */
  replay(options: CallOptions & { from?: number; limit?: number; consistency?: Consistency } = {}): Promise<Page> {
    const query = { from: options.from, limit: options.limit, consistency: options.consistency };
    return this.ctx.transport.request('GET', `${this.path}/messages`, {
      query,
      idempotent: true,
      signal: options.signal,
    });
  }

  /** Every message from `from` (default 1) to the end of the log, paging by seq. */
  async *messages(options: CallOptions & { from?: number; pageSize?: number } = {}): AsyncGenerator<Message> {
    let from = options.from ?? 1;
    for (let waits = 0; ;) {
      const page = await this.replay({ from, limit: options.pageSize ?? 500, signal: options.signal });
      for (const entry of page.messages) {
        const settled = settledFromEntry(entry);
        if (settled.kind === 'message') {
          yield settled.message;
        }
      }
      if (page.messages.length > 0) {
        from = page.next_cursor ?? from + page.messages.length;
        waits = 0;
      } else if (page.consistency === 'stale' && waits < 50) {
        waits += 1;
        await sleep(100 * waits, options.signal);
      } else {
        return;
      }
    }
  }

  /** Deletes the conversation (a durable tombstone; messages stay readable). */
  async delete(options: CallOptions = {}): Promise<void> {
    await this.ctx.transport.request('DELETE', this.path, { idempotent: true, signal: options.signal });
  }

  /** Raises the caller's read cursor to `seq`. */
  markRead(seq: number, options: CallOptions = {}): Promise<{ read_seq: number }> {
    return this.ctx.transport.request('PUT', `${this.path}/read`, {
      body: { seq },
      idempotent: true,
      signal: options.signal,
    });
  }

  /** Replaces the participants (a PUT of the conversation). */
  setParticipants(participants: Participant[], options: CallOptions = {}): Promise<ConversationRecord> {
    return this.ctx.transport.request('PUT', this.path, {
      body: { participants },
      idempotent: true,
      signal: options.signal,
    });
  }

  /** A new conversation whose seqs 1..atSeq copy this one's (a retried fork with the same id is idempotent). */
  async fork(
    options: CallOptions & { atSeq: number; id?: string; metadata?: Record<string, unknown> },
  ): Promise<ConversationRecord> {
    return this.ctx.transport.request('POST', `${this.path}/fork`, {
      body: { at_seq: options.atSeq, id: options.id, metadata: options.metadata },
      idempotent: options.id !== undefined,
      signal: options.signal,
    });
  }

  /** Starts a run: an agent's reply streamed as events and committed as one message (docs/runs.md). */
  async startRun(options: CallOptions & { metadata?: Record<string, unknown>; parentSeq?: number } = {}): Promise<Run> {
    const record = await this.ctx.transport.request<RunRecord>('POST', `${this.path}/runs`, {
      body: { metadata: options.metadata, parent_seq: options.parentSeq },
      idempotent: false,
      signal: options.signal,
    });
    return new Run(record.run_id, this.ctx, record);
  }

  runs(
    options: CallOptions & { status?: RunRecord['status']; limit?: number; cursor?: string } = {},
  ): Promise<{ runs: RunRecord[]; next_cursor: string | null }> {
    const query = { status: options.status, limit: options.limit, cursor: options.cursor };
    return this.ctx.transport.request('GET', `${this.path}/runs`, { query, idempotent: true, signal: options.signal });
  }

  /**
   * Live messages in seq order from `cursor`: reconnects with backoff and resumes from the last seq delivered,
   * replays what a `gap` reports over REST, and never delivers a seq twice or skips one.
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const WebSocket = resolveWebSocket(this.ctx.WebSocket);
    const cursor = options.cursor ?? (await this.get({ signal: options.signal })).last_seq;
    return new LiveStream(
      cursor,
      {
        WebSocket,
        streamUrl: (from, runCursors) => this.streamUrl(from, runCursors),
        replay: (from, limit, signal) => this.replay({ from, limit, signal }),
        check: async (signal) => {
          await this.get({ signal });
        },
        refreshesToken: this.ctx.transport.refreshesToken,
      },
      options,
      options.signal,
      options.runCursors,
    );
  }

  /** `subscribe` as an async iterator; breaking out of the loop closes the connection. */
  stream(options: CallOptions & { cursor?: number } = {}): AsyncIterableIterator<StreamItem> {
    let subscription: Subscription | null = null;
    let stopped = false;
    const queue = new AsyncQueue<StreamItem>(() => {
      stopped = true;
      subscription?.close();
    });
    this.subscribe({
      ...options,
      onMessage: (message) => queue.push({ type: 'message', message }),
      onTombstone: (tombstone) => queue.push({ type: 'tombstone', tombstone }),
      onGap: (gap) => queue.push({ type: 'gap', ...gap }),
      onRunEvent: (frame) => queue.push(frame),
    }).then(
      (opened) => {
        subscription = opened;
        if (stopped) {
          opened.close();
        }
        opened.done.then(
          () => queue.end(),
          (error: unknown) => queue.fail(error),
        );
      },
      (error: unknown) => queue.fail(error),
    );
    return queue;
  }

  private async streamUrl(cursor: number, runCursors: Map<string, number>): Promise<string> {
    const params = new URLSearchParams({ cursor: String(cursor) });
    const runs = [...runCursors].slice(-100);
    if (runs.length > 0) {
      params.set('run_cursors', runs.map(([id, seq]) => `${id}:${seq}`).join(','));
    }
    const token = await this.ctx.transport.token();
    if (token !== undefined) {
      params.set('access_token', token);
    }
    return `${this.ctx.realtimeUrl.replace(/^http/, 'ws')}${this.path}/stream?${params.toString()}`;
  }
}
