import { AbortedError } from '../errors';

/**
 * Frames pushed by a stream, taken one at a time by a reader that stops waiting after `quietMs`: `take`
 * resolves with the next frame, or `'quiet'` when none came in time; after `fail` it rejects with the error.
 */
export class FrameInbox<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T | 'quiet') => void) | null = null;
  private error: Error | null = null;
  private rejectWaiter: ((error: Error) => void) | null = null;

  push(item: T): void {
    if (this.waiter !== null) {
      const waiter = this.waiter;
      this.clear();
      waiter(item);
    } else {
      this.items.push(item);
    }
  }

  fail(error: unknown): void {
    this.error = error instanceof Error ? error : new Error(String(error));
    const reject = this.rejectWaiter;
    this.clear();
    reject?.(this.error);
  }

  take(quietMs: number, signal?: AbortSignal): Promise<T | 'quiet'> {
    if (this.items.length > 0) {
      return Promise.resolve(this.items.shift() as T);
    }
    if (this.error !== null) {
      return Promise.reject(this.error);
    }
    if (signal?.aborted) {
      return Promise.reject(new AbortedError());
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.clear();
        reject(new AbortedError());
      };
      const timer = setTimeout(() => {
        this.clear();
        resolve('quiet');
      }, quietMs);
      this.waiter = resolve;
      this.rejectWaiter = reject;
      this.clearTimer = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private clearTimer: () => void = () => undefined;

  private clear(): void {
    this.clearTimer();
    this.clearTimer = () => undefined;
    this.waiter = null;
    this.rejectWaiter = null;
  }
}
