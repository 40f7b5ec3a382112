import { inspect } from 'node:util';
import { LoggerService } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from './metrics.service';

export type UncaughtKind = 'uncaught_exception' | 'unhandled_rejection';

const CONTEXT = 'ProcessSafetyNet';

/**
 * The last line of defence of a running service: an error nothing handled (a
 * throw from an event listener, a rejected promise nobody awaited) is logged as
 * an error and counted, and the process keeps serving, instead of every client,
 * request and consumer of the process going down with one bad connection.
 * Every error a client can cause is handled where it happens; this counter
 * staying at 0 is the check that it is so.
 */
export class ProcessSafetyNet {
  private readonly uncaught: Counter<'kind'>;
  private readonly onException = (error: Error) => this.record('uncaught_exception', error);
  private readonly onRejection = (reason: unknown) => this.record('unhandled_rejection', reason);

  constructor(
    private readonly logger: LoggerService,
    metrics: MetricsService,
  ) {
    this.uncaught = metrics.counter(
      'threadline_uncaught_errors_total',
      'Errors that reached the process (uncaught exceptions, unhandled rejections): logged, and the service kept serving',
      ['kind'],
    );
    this.uncaught.inc({ kind: 'uncaught_exception' }, 0);
    this.uncaught.inc({ kind: 'unhandled_rejection' }, 0);
  }

  install(): void {
    process.on('uncaughtException', this.onException);
    process.on('unhandledRejection', this.onRejection);
  }

  uninstall(): void {
    process.off('uncaughtException', this.onException);
    process.off('unhandledRejection', this.onRejection);
  }

  record(kind: UncaughtKind, reason: unknown): void {
    this.uncaught.inc({ kind });
    const err = reason instanceof Error ? reason : new Error(`non-error value: ${inspect(reason, { depth: 2 })}`);
    this.logger.error({ err, kind }, `${kind.replace('_', ' ')}; the service keeps serving`, CONTEXT);
  }
}
