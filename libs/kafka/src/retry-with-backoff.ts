import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** True ends the retries; asked after each failed attempt, before and after the wait. */
  stopped(): boolean;
  /** Called after each wait, before the next attempt (e.g. a consumer heartbeat). */
  beforeRetry?(): Promise<void>;
  /** The first wait; each next one doubles, up to maxMs. */
  initialMs?: number;
  maxMs?: number;
}

/**
 * The wait before the next attempt after failures in a row: `minMs` after the
 * first, doubling with each further failure up to `maxMs`, back to `minMs` once
 * an attempt succeeded. For retries that are not one loop (a consumer that
 * fetches a chunk again after waiting) as for those that are (retryWithBackoff).
 */
export class Backoff {
  private delayMs: number;

  constructor(
    private readonly minMs = 200,
    private readonly maxMs = 5000,
  ) {
    this.delayMs = minMs;
  }

  /** The wait after one more failure. */
  next(): number {
    const delay = this.delayMs;
    this.delayMs = Math.min(delay * 2, this.maxMs);
    return delay;
  }

  /** An attempt succeeded: the next failure waits `minMs` again. */
  reset(): void {
    this.delayMs = this.minMs;
  }
}

/**
 * Runs `attempt` until it reports success (true), waiting 200 ms doubling to 5 s
 * between failed attempts unless told otherwise. Resolves true once an attempt
 * succeeded, false when stopped first.
 */
export async function retryWithBackoff(attempt: () => Promise<boolean>, options: RetryOptions): Promise<boolean> {
  const backoff = new Backoff(options.initialMs, options.maxMs);
  for (;;) {
    if (await attempt()) {
      return true;
    }
    if (options.stopped()) {
      return false;
    }
    await sleep(backoff.next());
    if (options.stopped()) {
      return false;
    }
    await options.beforeRetry?.();
  }
}
