import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PeriodicTask, PeriodicTaskOptions } from './periodic-task';

export interface PeriodicJobSchedule extends Omit<PeriodicTaskOptions, 'logger'> {
  /** Why the job is off, logged at bootstrap instead of starting it; absent = the job runs. */
  off?: string;
}

/**
 * A provider that runs `runOnce` as a PeriodicTask from application bootstrap
 * until shutdown, logging failures with its own logger (named after the class).
 * The schedule is read at bootstrap, so it may depend on what the constructor was given.
 */
export abstract class PeriodicJob implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private task: PeriodicTask | null = null;

  protected abstract schedule(): PeriodicJobSchedule;

  protected abstract runOnce(): Promise<unknown>;

  onApplicationBootstrap(): void {
    const { off, ...options } = this.schedule();
    if (off !== undefined) {
      this.logger.log(off);
      return;
    }
    this.task = new PeriodicTask(() => this.runOnce(), { ...options, logger: this.logger });
    this.task.start();
  }

  /** Stops the ticks and waits for the run in progress. */
  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }
}
