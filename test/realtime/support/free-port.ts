import { createServer } from 'node:net';
import { allocatePort } from '../../support/test-env';

/** Whether nothing listens on 127.0.0.1:`port` right now. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** allocatePort(), skipping ports something else already listens on (other test files run concurrently). */
export async function allocateFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = allocatePort();
    if (await isFree(port)) {
      return port;
    }
  }
  throw new Error('no free port found');
}
