import { LoggerService } from '@nestjs/common';
import { PeriodicTask } from './periodic-task';

class RecordingLogger implements LoggerService {
  readonly warnings: string[] = [];
  readonly debugs: string[] = [];
  log(): void {}
  error(): void {}
  warn(message: string): void {
    this.warnings.push(message);
  }
  debug(message: string): void {
    this.debugs.push(message);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('PeriodicTask', () => {
  let logger: RecordingLogger;

  beforeEach(() => {
    jest.useFakeTimers();
    logger = new RecordingLogger();
  });

  afterEach(() => jest.useRealTimers());

  it('runs once per interval after start, not before', async () => {
    const run = jest.fn().mockResolvedValue(undefined);
    const task = new PeriodicTask(run, { name: 'sweep', intervalMs: 100, logger });
    task.start();
    expect(run).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(350);
    expect(run).toHaveBeenCalledTimes(3);
    await task.stop();
  });

  it('skips ticks while a run is still going', async () => {
    const first = deferred();
    const run = jest.fn().mockReturnValueOnce(first.promise).mockResolvedValue(undefined);
    const task = new PeriodicTask(run, { name: 'sweep', intervalMs: 100, logger });
    task.start();
    await jest.advanceTimersByTimeAsync(500);
    expect(run).toHaveBeenCalledTimes(1);
    first.resolve();
    await jest.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(2);
    await task.stop();
  });

  it('logs a failed run as a warning and runs again on the next tick', async () => {
    const run = jest.fn().mockRejectedValueOnce(new Error('boom')).mockResolvedValue(undefined);
    const onFailure = jest.fn();
    const task = new PeriodicTask(run, { name: 'sweep', intervalMs: 100, logger, onFailure });
    task.start();
    await jest.advanceTimersByTimeAsync(200);
    expect(logger.warnings).toEqual(['sweep failed: boom']);
    expect(onFailure).toHaveBeenCalledWith(new Error('boom'));
    expect(run).toHaveBeenCalledTimes(2);
    await task.stop();
  });

  it('logs failures at debug level when asked to', async () => {
    const run = jest.fn().mockRejectedValue(new Error('boom'));
    const task = new PeriodicTask(run, { name: 'catch-up', intervalMs: 100, logger, failureLevel: 'debug' });
    task.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(logger.debugs).toEqual(['catch-up failed: boom']);
    expect(logger.warnings).toEqual([]);
    await task.stop();
  });

  it('stop waits for the run in progress and no run starts after it', async () => {
    const inProgress = deferred();
    const run = jest.fn().mockReturnValueOnce(inProgress.promise).mockResolvedValue(undefined);
    const task = new PeriodicTask(run, { name: 'sweep', intervalMs: 100, logger });
    task.start();
    await jest.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    inProgress.resolve();
    await stopping;
    await jest.advanceTimersByTimeAsync(500);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('starting twice keeps one interval', async () => {
    const run = jest.fn().mockResolvedValue(undefined);
    const task = new PeriodicTask(run, { name: 'sweep', intervalMs: 100, logger });
    task.start();
    task.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(1);
    await task.stop();
  });
});
