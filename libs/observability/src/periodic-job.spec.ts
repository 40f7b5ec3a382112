import { PeriodicJob, PeriodicJobSchedule } from './periodic-job';

class CountingJob extends PeriodicJob {
  runs = 0;

  constructor(private readonly off?: string) {
    super();
  }

  protected schedule(): PeriodicJobSchedule {
    return { name: 'count', intervalMs: 100, off: this.off };
  }

  protected runOnce(): Promise<void> {
    this.runs += 1;
    return Promise.resolve();
  }
}

describe('PeriodicJob', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every interval from application bootstrap until shutdown', async () => {
    const job = new CountingJob();
    await jest.advanceTimersByTimeAsync(250);
    expect(job.runs).toBe(0);
    job.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(250);
    expect(job.runs).toBe(2);
    await job.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(250);
    expect(job.runs).toBe(2);
  });

  it('never runs when its schedule says it is off, and shuts down all the same', async () => {
    const job = new CountingJob('count is off');
    job.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(250);
    expect(job.runs).toBe(0);
    await job.onApplicationShutdown();
  });
});
