import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { StreamFrame } from '../../realtime/support/stream-clients';

export type StreamProtocol = 'ws' | 'sse' | 'phoenix';

/** The Phoenix socket path and serializer version (apps/realtime/src/protocols/phoenix). */
const PHOENIX_PATH = '/socket/websocket?vsn=2.0.0';
const JOIN_REF = '1';

/**
 * A live reader of one conversation that reconnects after any disconnect — to
 * the next realtime instance — resuming from the last seq it was given, as a
 * client of the streaming API must. Every frame of every connection is kept in
 * arrival order.
 */
export class Subscriber {
  readonly frames: StreamFrame[] = [];
  connections = 0;
  /** When the last frame arrived (performance.now()); what a settle note shows of a subscriber left behind. */
  lastFrameAt: number | null = null;
  /** The realtime instance of the current (or last) connection. */
  currentUrl = '';
  private running = true;
  private closeCurrent: () => void = () => undefined;
  private readonly loop: Promise<void>;

  constructor(
    readonly protocol: StreamProtocol,
    readonly conversationId: string,
    private readonly realtimeUrls: string[],
    private readonly first: number,
  ) {
    this.loop = this.run();
  }

  get name(): string {
    return `${this.protocol}:${this.conversationId}`;
  }

  /** The last seq delivered (message or tombstone): the cursor to resume from. */
  get cursor(): number {
    for (let i = this.frames.length - 1; i >= 0; i -= 1) {
      const seq = this.frames[i].seq;
      if (seq !== undefined) {
        return seq;
      }
    }
    return 0;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.closeCurrent();
    await this.loop;
  }

  private keep(frame: StreamFrame): void {
    this.frames.push(frame);
    this.lastFrameAt = performance.now();
  }

  private async run(): Promise<void> {
    for (let attempt = this.first; this.running; attempt += 1) {
      const base = this.realtimeUrls[attempt % this.realtimeUrls.length];
      this.currentUrl = base;
      this.connections += 1;
      const read =
        this.protocol === 'ws'
          ? this.readWebSocket(base)
          : this.protocol === 'sse'
            ? this.readSse(base)
            : this.readPhoenix(base);
      await read.catch(() => undefined);
      if (this.running) {
        await sleep(200);
      }
    }
  }

  private readWebSocket(base: string): Promise<void> {
    return new Promise((resolve) => {
      const url = `${base.replace(/^http/, 'ws')}/v1/conversations/${this.conversationId}/stream?cursor=${this.cursor}`;
      const ws = new WebSocket(url);
      this.closeCurrent = () => ws.terminate();
      ws.on('message', (data: Buffer) => this.keep(JSON.parse(data.toString()) as StreamFrame));
      ws.on('error', () => undefined);
      ws.on('close', () => resolve());
    });
  }

  /**
   * A Phoenix channel on `conversation:{id}`, joined with the last seq as the cursor. A refused join,
   * `phx_error` or `phx_close` ends the connection and the subscriber rejoins on the next instance.
   */
  private readPhoenix(base: string): Promise<void> {
    return new Promise((resolve) => {
      const topic = `conversation:${this.conversationId}`;
      const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${PHOENIX_PATH}`);
      this.closeCurrent = () => ws.terminate();
      ws.on('open', () => ws.send(JSON.stringify([JOIN_REF, JOIN_REF, topic, 'phx_join', { cursor: this.cursor }])));
      ws.on('message', (data: Buffer) => {
        const [, ref, frameTopic, event, payload] = JSON.parse(data.toString()) as [
          string | null,
          string | null,
          string,
          string,
          { status?: string } & StreamFrame,
        ];
        if (event === 'phx_reply' && ref === JOIN_REF) {
          if (payload.status !== 'ok') {
            this.frames.push({ type: `phx_join refused: ${JSON.stringify(payload)}` });
            ws.terminate();
          }
        } else if (frameTopic === topic && (event === 'phx_error' || event === 'phx_close')) {
          ws.terminate();
        } else if (frameTopic === topic) {
          this.keep(payload);
        }
      });
      ws.on('error', () => undefined);
      ws.on('close', () => resolve());
    });
  }

  private async readSse(base: string): Promise<void> {
    const abort = new AbortController();
    this.closeCurrent = () => abort.abort();
    const res = await fetch(`${base}/v1/conversations/${this.conversationId}/events?cursor=${this.cursor}`, {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (!res.ok || !res.body) {
      return;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6));
        if (data.length > 0) {
          this.keep(JSON.parse(data.join('\n')) as StreamFrame);
        }
        buffer = buffer.slice(end + 2);
      }
    }
  }
}
