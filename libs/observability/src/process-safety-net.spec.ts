import { LoggerService } from '@nestjs/common';
import { MetricsService } from './metrics.service';
import { ProcessSafetyNet } from './process-safety-net';

class RecordingLogger implements LoggerService {
  readonly errors: unknown[][] = [];
  log(): void {}
  warn(): void {}
  error(...args: unknown[]): void {
    this.errors.push(args);
  }
}

async function uncaughtCount(metrics: MetricsService, kind: string): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric('threadline_uncaught_errors_total')?.get();
  return metric?.values.find((v) => v.labels.kind === kind)?.value;
}

describe('ProcessSafetyNet', () => {
  let logger: RecordingLogger;
  let metrics: MetricsService;
  let net: ProcessSafetyNet;

  beforeEach(() => {
    logger = new RecordingLogger();
    metrics = new MetricsService({ service: 'test', logLevel: 'info' });
    net = new ProcessSafetyNet(logger, metrics);
  });

  afterEach(() => net.uninstall());

  it('exports both counters at 0 before anything went wrong', async () => {
    expect(await uncaughtCount(metrics, 'uncaught_exception')).toBe(0);
    expect(await uncaughtCount(metrics, 'unhandled_rejection')).toBe(0);
  });

  it('logs an uncaught exception as a structured error and counts it; the listener returns, so the process goes on', async () => {
    const error = new Error('boom');
    net.install();
    process.emit('uncaughtException', error);
    expect(await uncaughtCount(metrics, 'uncaught_exception')).toBe(1);
    expect(logger.errors).toEqual([
      [{ err: error, kind: 'uncaught_exception' }, expect.stringMatching(/keeps serving/), 'ProcessSafetyNet'],
    ]);
  });

  it('logs and counts an unhandled rejection, whatever its reason is', async () => {
    net.install();
    process.emit('unhandledRejection', Object.create(null), Promise.resolve());
    expect(await uncaughtCount(metrics, 'unhandled_rejection')).toBe(1);
    const [[fields]] = logger.errors as [[{ err: Error; kind: string }]];
    expect(fields.kind).toBe('unhandled_rejection');
    expect(fields.err.message).toMatch(/non-error value/);
  });

  it('uninstall removes its listeners', () => {
    const before = process.listenerCount('uncaughtException');
    net.install();
    expect(process.listenerCount('uncaughtException')).toBe(before + 1);
    expect(process.listenerCount('unhandledRejection')).toBeGreaterThan(0);
    net.uninstall();
    expect(process.listenerCount('uncaughtException')).toBe(before);
  });
});
