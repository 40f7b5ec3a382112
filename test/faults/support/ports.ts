import { randomInt } from 'node:crypto';
import { isFree } from '../../realtime/support/free-port';

/** Below the kernel's ephemeral range (32768+), where outgoing connections could take a port we chose. */
const FIRST_PORT = 21000;
const LAST_PORT = 32000;
const handedOut = new Set<number>();

/** A random port nothing listens on now, never the same one twice in a run. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = randomInt(FIRST_PORT, LAST_PORT);
    if (!handedOut.has(port) && (await isFree(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}

/** The first of `count` consecutive ports nothing listens on now, none of them handed out before. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const first = randomInt(FIRST_PORT, LAST_PORT - count);
    const ports = Array.from({ length: count }, (_, i) => first + i);
    if (ports.every((p) => !handedOut.has(p)) && (await Promise.all(ports.map(isFree))).every(Boolean)) {
      ports.forEach((p) => handedOut.add(p));
      return first;
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
