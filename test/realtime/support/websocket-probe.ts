import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { CloseInfo } from './stream-clients';

export type Connection =
  | { kind: 'open'; probe: WebSocketProbe }
  | { kind: 'refused'; status: number; body: string; headers: IncomingHttpHeaders };

/** A `ws` client that records what the server sends and how the connection ended. */
export class WebSocketProbe {
  readonly received: Array<{ data: Buffer; isBinary: boolean }> = [];
  readonly closed: Promise<CloseInfo>;
  /** The headers of the server's 101 answer, once upgraded. */
  upgradeHeaders: IncomingHttpHeaders = {};
  private isClosed = false;

  private constructor(readonly ws: WebSocket) {
    // Every failure also ends in 'close', which is what the tests look at.
    ws.on('error', () => undefined);
    ws.once('upgrade', (response) => (this.upgradeHeaders = response.headers));
    ws.on('message', (data: Buffer, isBinary: boolean) => this.received.push({ data, isBinary }));
    this.closed = new Promise((resolve) =>
      ws.on('close', (code: number, reason: Buffer) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /** Opens `url`: the probe once upgraded, or the HTTP answer of a refused upgrade. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<Connection> {
    const probe = new WebSocketProbe(new WebSocket(url, { headers }));
    return new Promise((resolve, reject) => {
      probe.ws.once('open', () => resolve({ kind: 'open', probe }));
      probe.ws.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          resolve({ kind: 'refused', status: response.statusCode ?? 0, body, headers: response.headers }),
        );
      });
      void probe.closed.then((close) => reject(new Error(`closed before the upgrade: ${close.code}`)));
    });
  }

  /** Opens `url` and fails unless it is upgraded. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<WebSocketProbe> {
    const connection = await WebSocketProbe.connect(url, headers);
    if (connection.kind === 'refused') {
      throw new Error(`upgrade of ${url} refused: ${connection.status} ${connection.body}`);
    }
    return connection.probe;
  }

  get texts(): string[] {
    return this.received.filter((m) => !m.isBinary).map((m) => m.data.toString());
  }

  /**
   * True once the server answered a ping sent now: it is still reading this connection and
   * has read everything sent before. False if the connection closed instead.
   */
  answersPing(): Promise<boolean> {
    if (this.isClosed || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      this.ws.once('pong', () => resolve(true));
      void this.closed.then(() => resolve(false));
      this.ws.ping();
    });
  }

  /** Closes normally and waits for the server's close frame (or the end of the connection). */
  async close(): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(1000);
    }
    return this.closed;
  }
}
