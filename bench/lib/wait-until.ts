import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 20;

/** Polls `condition` every 20 ms until it holds; rejects after `timeoutMs`, naming `what` it waited for. */
export async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    }
    await sleep(POLL_MS);
  }
}
