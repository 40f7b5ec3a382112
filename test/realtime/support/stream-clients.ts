import WebSocket from 'ws';
import { eventually } from '../../support/service-process';

/** A frame as plain WebSocket and SSE clients receive it. */
export interface StreamFrame {
  /** message | tombstone | gap | conversation_deleted */
  type: string;
  seq?: number;
  version?: number;
  message?: { role: string; parts: unknown[]; metadata: Record<string, unknown>; token_count: number | null };
  inserted_at?: string;
  reason?: string;
  expected?: number;
  actual?: number;
  last_seq?: number;
}

/** The seqs of messages and tombstones, in arrival order. */
export function seqsOf(frames: StreamFrame[]): number[] {
  return frames.filter((f) => f.seq !== undefined).map((f) => f.seq as number);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export interface CloseInfo {
  code: number;
  reason: string;
}

/** A plain WebSocket stream client: `/v1/conversations/{id}/stream?cursor=N`. */
export class PlainStreamClient {
  readonly frames: StreamFrame[] = [];
  readonly closed: Promise<CloseInfo>;
  readonly ws: WebSocket;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString()) as StreamFrame));
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
    );
  }

  static async open(baseUrl: string, conversationId: string, cursor?: number): Promise<PlainStreamClient> {
    const query = cursor === undefined ? '' : `?cursor=${cursor}`;
    const client = new PlainStreamClient(
      `${baseUrl.replace(/^http/, 'ws')}/v1/conversations/${conversationId}/stream${query}`,
    );
    await new Promise<void>((resolve, reject) => {
      client.ws.once('open', () => resolve());
      client.ws.once('error', reject);
    });
    return client;
  }

  get seqs(): number[] {
    return seqsOf(this.frames);
  }

  get lastSeq(): number {
    return this.seqs.at(-1) ?? 0;
  }

  async waitForSeq(seq: number, timeoutMs = 20_000): Promise<void> {
    await eventually(`seq ${seq} (have up to ${this.lastSeq})`, async () => this.seqs.includes(seq), timeoutMs, 20);
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * How an SSE stream ended: the server finished the response (`server_closed`), the
 * client closed it (`client_closed`), or it broke (`error`, e.g. a reset connection).
 */
export type SseEnding = { end: 'server_closed' } | { end: 'client_closed' } | { end: 'error'; error: string };

export interface SseEvent {
  id?: string;
  event: string;
  data: StreamFrame;
}

/** A small Server-Sent Events reader over fetch. */
export class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  contentType = '';
  lastEventId: string | undefined;
  /** How the stream ended; never rejects. */
  readonly done: Promise<SseEnding>;
  private readonly abort = new AbortController();

  private constructor(url: string, headers: Record<string, string>, opened: (error?: Error) => void) {
    this.done = this.read(url, headers, opened);
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    let client: SseClient | undefined;
    await new Promise<void>((resolve, reject) => {
      client = new SseClient(url, headers, (error) => (error ? reject(error) : resolve()));
    });
    return client as SseClient;
  }

  get seqs(): number[] {
    return seqsOf(this.events.map((e) => e.data));
  }

  close(): void {
    this.abort.abort();
  }

  /** The stream's ending once it has one; rejects if it has none within `timeoutMs`. */
  async ended(timeoutMs = 20_000): Promise<SseEnding> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the SSE stream did not end within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async read(
    url: string,
    headers: Record<string, string>,
    opened: (error?: Error) => void,
  ): Promise<SseEnding> {
    let res: Response;
    try {
      res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: this.abort.signal });
    } catch (error) {
      opened(error as Error);
      return { end: 'error', error: String(error) };
    }
    this.status = res.status;
    this.contentType = res.headers.get('content-type') ?? '';
    opened();
    if (!res.body) {
      return { end: 'server_closed' };
    }
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      return this.abort.signal.aborted ? { end: 'client_closed' } : { end: 'error', error: String(error) };
    }
    return { end: 'server_closed' };
  }

  private parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments += 1;
      } else if (line.startsWith('id: ')) {
        id = line.slice(4);
      } else if (line.startsWith('event: ')) {
        event = line.slice(7);
      } else if (line.startsWith('data: ')) {
        data.push(line.slice(6));
      }
    }
    if (id !== undefined) {
      this.lastEventId = id;
    }
    if (data.length > 0) {
      this.events.push({ id, event, data: JSON.parse(data.join('\n')) as StreamFrame });
    }
  }
}
