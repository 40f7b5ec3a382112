import { AbortedError, ThreadlineError, UnauthorizedError, UnavailableError } from '../errors';
import { backoffMs, sleep } from '../http/sleep';
import { Message, Page, RunFrame, Tombstone } from '../types';
import { parseFrame, seqOf, Settled, settledFromEntry, settledFromFrame, StreamFrame } from './frames';
import { WebSocketConstructor, WebSocketLike } from './websocket-like';

export interface SubscribeHandlers {
  /** Every message after the cursor, once each, in seq order. */
  onMessage: (message: Message) => void | Promise<void>;
  /** A seq settled without a message (it takes its place in the order). */
  onTombstone?: (tombstone: Tombstone) => void | Promise<void>;
  /** The server reported seqs it could not send in time; they were replayed over REST before anything later. */
  onGap?: (gap: { expected: number; actual: number }) => void;
  /** Run events and run ends of the conversation, each once per run_seq. */
  onRunEvent?: (frame: RunFrame) => void | Promise<void>;
  /** The conversation was deleted after `lastSeq`: the subscription ends. */
  onDeleted?: (lastSeq: number) => void;
  /** The connection dropped and is being made again (`attempt` from 1). */
  onReconnect?: (attempt: number) => void;
}

export interface LiveStreamDeps {
  WebSocket: WebSocketConstructor;
  /** The stream's URL for a cursor and run cursors (credential included). */
  streamUrl: (cursor: number, runCursors: Map<string, number>) => Promise<string>;
  /** A REST replay page from `from`. */
  replay: (from: number, limit: number, signal: AbortSignal) => Promise<Page>;
  /** Throws the typed error that explains a refused connection (401, 403, 404, 410), else returns. */
  check: (signal: AbortSignal) => Promise<void>;
  /** Whether each connection gets a fresh credential (`getToken`): else a `4001` expiry ends the subscription. */
  refreshesToken: boolean;
}

/** The close code of a connection whose credential expired (`token_expired`). */
const TOKEN_EXPIRED = 4001;

/**
 * One subscription's connection life: connects from the last seq delivered, hands every frame to a serial
 * chain (so handlers see seqs in order even while a gap is repaired over REST), drops what it already
 * delivered, replays what it missed, and reconnects with backoff whenever the connection ends.
 */
export class LiveStream {
  private last: number;
  private readonly runCursors = new Map<string, number>();
  private readonly stopper = new AbortController();
  private socket: WebSocketLike | null = null;
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  private finish!: (error?: ThreadlineError) => void;
  readonly done: Promise<void>;

  constructor(
    cursor: number,
    private readonly deps: LiveStreamDeps,
    private readonly handlers: SubscribeHandlers,
    signal?: AbortSignal,
    runCursors: Record<string, number> = {},
  ) {
    this.last = cursor;
    for (const [runId, runSeq] of Object.entries(runCursors)) {
      this.runCursors.set(runId, runSeq);
    }
    this.done = new Promise<void>((resolve, reject) => {
      this.finish = (error) => {
        if (this.stopper.signal.aborted) {
          return;
        }
        this.stopper.abort();
        this.socket?.close(1000);
        if (error === undefined) {
          resolve();
        } else {
          reject(error);
        }
      };
    });
    signal?.addEventListener('abort', () => this.finish(), { once: true });
    if (signal?.aborted) {
      this.finish();
    } else {
      void this.connect();
    }
  }

  /** The last seq delivered (a message or a tombstone): where a new subscription would resume. */
  get lastSeq(): number {
    return this.last;
  }

  close(): void {
    this.finish();
  }

  private async connect(): Promise<void> {
    if (this.stopper.signal.aborted) {
      return;
    }
    const generation = ++this.generation;
    let opened = false;
    let url: string;
    try {
      url = await this.deps.streamUrl(this.last, this.runCursors);
    } catch (error) {
      this.fail(error);
      return;
    }
    const socket = new this.deps.WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      opened = true;
      this.failures = 0;
    };
    socket.onerror = () => undefined;
    socket.onmessage = (event) => {
      const frame = parseFrame(event.data);
      if (frame !== null) {
        this.enqueue(generation, () => this.handle(frame));
      }
    };
    socket.onclose = (event) => {
      if (generation !== this.generation || this.stopper.signal.aborted) {
        return;
      }
      if (event.code === 4410) {
        void this.chain.then(() => this.finish());
        return;
      }
      if (event.code === TOKEN_EXPIRED && !this.deps.refreshesToken) {
        const expired = new UnauthorizedError('the token expired; give getToken to refresh it', 401, 'token_expired');
        void this.chain.then(() => this.finish(expired));
        return;
      }
      void this.reconnect(opened);
    };
  }

  private enqueue(generation: number, task: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (generation !== this.generation || this.stopper.signal.aborted) {
        return;
      }
      try {
        await task();
      } catch (error) {
        if (error instanceof AbortedError) {
          return;
        }
        this.generation += 1;
        this.socket?.close(1000);
        void this.reconnect(true);
      }
    });
  }

  /** Frames the dropped connection delivered before it ended are still handled: the chain runs out first. */
  private async reconnect(opened: boolean): Promise<void> {
    this.failures += 1;
    try {
      if (!opened) {
        await this.deps.check(this.stopper.signal);
      }
      this.handlers.onReconnect?.(this.failures);
      await sleep(backoffMs(this.failures, 100, 5000), this.stopper.signal);
    } catch (error) {
      this.fail(error);
      return;
    }
    await this.chain;
    await this.connect();
  }

  private fail(error: unknown): void {
    if (error instanceof AbortedError) {
      return;
    }
    if (error instanceof UnavailableError) {
      void this.reconnect(true);
      return;
    }
    this.finish(error instanceof ThreadlineError ? error : new ThreadlineError(String(error), 0, 'client_error'));
  }

  private async handle(frame: StreamFrame): Promise<void> {
    switch (frame.type) {
      case 'message':
      case 'tombstone':
        if (frame.seq > this.last + 1) {
          await this.repair(frame.seq - 1);
        }
        await this.deliver(settledFromFrame(frame) as Settled);
        return;
      case 'gap':
        this.handlers.onGap?.({ expected: frame.expected, actual: frame.actual });
        await this.repair(frame.actual - 1);
        return;
      case 'conversation_deleted':
        this.handlers.onDeleted?.(frame.last_seq);
        this.finish();
        return;
      case 'run_event':
        if (frame.run_seq <= (this.runCursors.get(frame.run_id) ?? 0)) {
          return;
        }
        this.runCursors.set(frame.run_id, frame.run_seq);
        await this.handlers.onRunEvent?.(frame);
        return;
      case 'run_status':
        this.runCursors.delete(frame.run_id);
        await this.handlers.onRunEvent?.(frame);
        return;
    }
  }

  /** Delivers seqs up to `to` from REST pages, waiting for seqs still in flight to settle. */
  private async repair(to: number): Promise<void> {
    let idle = 0;
    while (this.last < to) {
      const page = await this.deps.replay(this.last + 1, Math.min(1000, to - this.last), this.stopper.signal);
      const before = this.last;
      for (const entry of page.messages) {
        if (entry.seq <= to) {
          await this.deliver(settledFromEntry(entry));
        }
      }
      idle = this.last === before ? idle + 1 : 0;
      if (idle > 0) {
        await sleep(backoffMs(idle, 100, 2000), this.stopper.signal);
      }
    }
  }

  private async deliver(settled: Settled): Promise<void> {
    const seq = seqOf(settled);
    if (seq !== this.last + 1) {
      return;
    }
    this.last = seq;
    if (settled.kind === 'message') {
      await this.handlers.onMessage(settled.message);
    } else {
      await this.handlers.onTombstone?.(settled.tombstone);
    }
  }
}
