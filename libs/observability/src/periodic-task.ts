import { LoggerService } from '@nestjs/common';

export interface PeriodicTaskOptions {
  /** What a run is called in the log: a failure is logged as `${name} failed: ${message}`. */
  name: string;
  intervalMs: number;
  logger: LoggerService;
  /** The level a failed run is logged at. */
  failureLevel?: 'warn' | 'debug';
  /** Called with each failure, besides logging it (e.g. to count it). */
  onFailure?: (error: Error) => void;
  /** Lets the process exit while the task is still started. */
  unref?: boolean;
}

/**
 * Runs a task every interval, never two runs at a time: a tick that finds the
 * previous run still going is skipped. A failed run is logged and the next tick
 * runs again. `stop` clears the interval and waits for the run in progress.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly options: PeriodicTaskOptions,
  ) {}

  start(): void {
    if (this.timer) {
      return;
    }
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    if (this.options.unref) {
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    await this.running;
  }

  private tick(): void {
    if (this.running) {
      return;
    }
    this.running = this.run()
      .then(
        () => undefined,
        (error: Error) => this.fail(error),
      )
      .finally(() => {
        this.running = null;
      });
  }

  private fail(error: Error): void {
    this.options.onFailure?.(error);
    const message = `${this.options.name} failed: ${error.message}`;
    if (this.options.failureLevel === 'debug') {
      this.options.logger.debug?.(message);
    } else {
      this.options.logger.warn(message);
    }
  }
}
