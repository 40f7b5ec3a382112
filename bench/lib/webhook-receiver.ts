import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** Called once per probe number found in a delivered body, with the time its request was fully read. */
export type ProbeSink = (path: string, probe: number, at: number) => void;

interface DeliveredBody {
  messages?: Array<{ metadata?: { probe?: unknown } | null }>;
}

/**
 * The webhook endpoint of the bench: a plain node:http server on 127.0.0.1 in
 * the bench process, answering 200 with an empty body (the agent will reply
 * later), or 503 to everything while `outage` is set. Each message of a body
 * answered 200 that carries a numeric `metadata.probe` goes to the sink.
 */
export class WebhookReceiver {
  /** While true, every request is answered 503 and its body ignored. */
  outage = false;
  requests = 0;
  refused = 0;
  private readonly server: Server;

  constructor(private readonly sink: ProbeSink) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      this.requests += 1;
      if (this.outage) {
        this.refused += 1;
        res.writeHead(503).end();
        return;
      }
      let body: DeliveredBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DeliveredBody;
      } catch {
        res.writeHead(400).end();
        return;
      }
      for (const message of body.messages ?? []) {
        const probe = message.metadata?.probe;
        if (typeof probe === 'number') {
          this.sink(req.url ?? '', probe, at);
        }
      }
      res.writeHead(200).end();
    });
  }
}
