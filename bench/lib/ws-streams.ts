import { RawData, WebSocket } from 'ws';
import { forEachLimited } from './closed-loop';

/** One plain-WebSocket client of `/v1/conversations/{id}/stream`. */
export interface StreamClient {
  readonly index: number;
  readonly conversationId: string;
  readonly ws: WebSocket;
  /** Heartbeat pings received from the server (each answered by `ws` with a pong). */
  pings: number;
  /** The close code, once closed. */
  closeCode: number | null;
}

export interface OpenedStreams {
  clients: StreamClient[];
  failures: number;
  failureSamples: string[];
  /** From the first handshake started until the last one completed. */
  seconds: number;
}

const MAX_FAILURE_SAMPLES = 5;
const HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * Opens one stream per entry of `conversationIds` on the realtime service at
 * 127.0.0.1:`port`, from `cursor`, at most `concurrency` handshakes at a time.
 * `onFrame` sees every frame as text, with the time it was received.
 */
export async function openStreams(
  port: number,
  conversationIds: readonly string[],
  options: {
    cursor: number;
    concurrency: number;
    /** Sent as `?access_token=` (a fixture's BenchAuth apiKey) when the service authenticates. */
    accessToken?: string;
    onFrame?: (client: StreamClient, frame: string, at: number) => void;
  },
): Promise<OpenedStreams> {
  const clients: StreamClient[] = [];
  const failureSamples: string[] = [];
  let failures = 0;
  const started = performance.now();
  const token = options.accessToken === undefined ? '' : `&access_token=${encodeURIComponent(options.accessToken)}`;
  const indexes = conversationIds.map((_, i) => i);
  await forEachLimited(indexes, options.concurrency, async (index) => {
    const conversationId = conversationIds[index];
    const ws = new WebSocket(
      `ws://127.0.0.1:${port}/v1/conversations/${encodeURIComponent(conversationId)}/stream?cursor=${options.cursor}${token}`,
      { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
    );
    const client: StreamClient = { index, conversationId, ws, pings: 0, closeCode: null };
    const onFrame = options.onFrame;
    if (onFrame) {
      // binaryType is the default 'nodebuffer': every frame arrives as one Buffer.
      ws.on('message', (data: RawData) => {
        const at = performance.now();
        onFrame(client, (data as Buffer).toString('utf8'), at);
      });
    }
    ws.on('ping', () => {
      client.pings += 1;
    });
    ws.on('close', (code) => {
      client.closeCode = code;
    });
    ws.on('error', () => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      clients.push(client);
    } catch (error) {
      failures += 1;
      if (failureSamples.length < MAX_FAILURE_SAMPLES) {
        failureSamples.push((error as Error).message);
      }
      ws.terminate();
    }
  });
  return { clients, failures, failureSamples, seconds: (performance.now() - started) / 1000 };
}

/** Drops every client at once (no close handshake) and waits until their sockets are closed. */
export async function terminateAll(clients: readonly StreamClient[]): Promise<void> {
  await Promise.all(
    clients.map(async (client) => {
      if (client.ws.readyState === WebSocket.CLOSED) {
        return;
      }
      const closed = new Promise((resolve) => client.ws.once('close', resolve));
      client.ws.terminate();
      await closed;
    }),
  );
}
