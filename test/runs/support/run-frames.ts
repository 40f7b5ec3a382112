import WebSocket from 'ws';
import { eventually } from '../../support/service-process';

/** A frame of a conversation stream as plain WebSocket and SSE clients receive it (messages and runs). */
export interface Frame {
  type: string;
  seq?: number;
  run_id?: string;
  run_seq?: number;
  delta?: string;
  status?: string;
  message_seqs?: number[];
  message?: { metadata: Record<string, unknown> };
}

/** What a client saw, in arrival order: `run_id:run_seq`, `run_id:status` or `msg:seq`. */
export function trace(frames: Frame[], runId: string): string[] {
  return frames.flatMap((f) => {
    if (f.type === 'run_event' && f.run_id === runId) {
      return [`${runId}:${f.run_seq}`];
    }
    if (f.type === 'run_status' && f.run_id === runId) {
      return [`${runId}:${f.status}`];
    }
    return f.type === 'message' ? [`msg:${f.seq}`] : [];
  });
}

/** The run_seqs of a run's run_event frames, in arrival order. */
export function runSeqs(frames: Frame[], runId: string): number[] {
  return frames.filter((f) => f.type === 'run_event' && f.run_id === runId).map((f) => f.run_seq as number);
}

/** `/v1/conversations/{id}/stream` with a credential and cursors in the query. */
export class PlainRunsClient {
  readonly frames: Frame[] = [];
  private readonly ws: WebSocket;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString()) as Frame));
    this.ws.on('error', () => undefined);
  }

  static async open(baseUrl: string, conversationId: string, token: string, query = ''): Promise<PlainRunsClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/v1/conversations/${conversationId}/stream?access_token=${token}${query}`;
    const client = new PlainRunsClient(url);
    await new Promise<void>((resolve, reject) => {
      client.ws.once('open', () => resolve());
      client.ws.once('error', reject);
    });
    return client;
  }

  async waitFor(what: string, check: (frames: Frame[]) => boolean, timeoutMs = 30_000): Promise<void> {
    await eventually(what, async () => check(this.frames), timeoutMs, 20);
  }

  close(): void {
    this.ws.close();
  }
}
