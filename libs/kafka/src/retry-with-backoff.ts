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
 * Runs `attempt` until it reports success (true), waiting 200 ms doubling to 5 s
 * between failed attempts unless told otherwise. Resolves true once an attempt
 * succeeded, false when stopped first.
 */
export async function retryWithBackoff(attempt: () => Promise<boolean>, options: RetryOptions): Promise<boolean> {
  const maxMs = options.maxMs ?? 5000;
  for (let delay = options.initialMs ?? 200; ; delay = Math.min(delay * 2, maxMs)) {
    if (await attempt()) {
      return true;
    }
    if (options.stopped()) {
      return false;
    }
    await sleep(delay);
    if (options.stopped()) {
      return false;
    }
    await options.beforeRetry?.();
  }
}
