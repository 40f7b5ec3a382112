import { readFile } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { extname } from 'node:path';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

/** A tiny static server for browser tests: serves exactly the files it is given, by URL path, on loopback. */
export class StaticServer {
  private readonly server: Server;

  constructor(private readonly files: Record<string, string>) {
    this.server = createServer((req, res) => {
      const file = this.files[new URL(req.url ?? '/', 'http://x').pathname];
      if (file === undefined) {
        res.writeHead(404).end();
        return;
      }
      readFile(file).then(
        (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
        () => res.writeHead(500).end(),
      );
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
