import http from 'node:http';

export interface HttpResponse {
  status: number;
  body: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

/**
 * A minimal keep-alive JSON client for 127.0.0.1 targets: one agent whose socket
 * pool is as large as the concurrency it serves, so no request waits for a socket.
 * `headers` go with every request (e.g. the credential).
 */
export class KeepAliveClient {
  private readonly agent: http.Agent;
  private readonly port: number;

  constructor(
    baseUrl: string,
    maxSockets: number,
    private readonly headers: Record<string, string> = {},
  ) {
    const url = new URL(baseUrl);
    if (url.hostname !== '127.0.0.1') {
      throw new Error(`the bench only targets 127.0.0.1, not ${url.hostname}`);
    }
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(method: string, path: string, body?: unknown): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          timeout: REQUEST_TIMEOUT_MS,
          headers: payload
            ? { ...this.headers, 'content-type': 'application/json', 'content-length': payload.length }
            : this.headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like `request`, but anything but `expected` is an error carrying the status and body. */
  async expect(expected: number, method: string, path: string, body?: unknown): Promise<HttpResponse> {
    const res = await this.request(method, path, body);
    if (res.status !== expected) {
      throw new Error(`${method} ${path}: ${res.status} ${res.body.slice(0, 200)}`);
    }
    return res;
  }

  close(): void {
    this.agent.destroy();
  }
}
