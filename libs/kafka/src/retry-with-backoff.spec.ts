import { Backoff, retryWithBackoff } from './retry-with-backoff';

/** Jest's fake timers do not reach node:timers/promises; its sleep is rebuilt on the global timer they fake. */
jest.mock('node:timers/promises', () => ({
  setTimeout: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)),
}));

describe('retryWithBackoff', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function attempts(...outcomes: boolean[]): jest.Mock<Promise<boolean>, []> {
    const attempt = jest.fn<Promise<boolean>, []>();
    for (const outcome of outcomes) {
      attempt.mockResolvedValueOnce(outcome);
    }
    return attempt;
  }

  it('resolves true without waiting when the first attempt succeeds', async () => {
    const attempt = attempts(true);
    await expect(retryWithBackoff(attempt, { stopped: () => false })).resolves.toBe(true);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('waits 200 ms doubling to 5 s between failed attempts', async () => {
    const attempt = attempts(false, false, false, false, false, false, false, true);
    const calledAt: number[] = [];
    const start = Date.now();
    const recording = jest.fn(async () => {
      calledAt.push(Date.now() - start);
      return attempt();
    });
    const retried = retryWithBackoff(recording, { stopped: () => false });
    await jest.advanceTimersByTimeAsync(200 + 400 + 800 + 1600 + 3200 + 5000 + 5000);
    expect(calledAt).toEqual([0, 200, 600, 1400, 3000, 6200, 11200, 16200]);
    await expect(retried).resolves.toBe(true);
  });

  it('takes other bounds when given', async () => {
    const attempt = attempts(false, false, false, true);
    const retried = retryWithBackoff(attempt, { stopped: () => false, initialMs: 5, maxMs: 8 });
    await jest.advanceTimersByTimeAsync(5 + 8);
    expect(attempt).toHaveBeenCalledTimes(3);
    await jest.advanceTimersByTimeAsync(8);
    await expect(retried).resolves.toBe(true);
  });

  it('resolves false once stopped, before waiting', async () => {
    const attempt = attempts(false);
    await expect(retryWithBackoff(attempt, { stopped: () => true })).resolves.toBe(false);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('resolves false when stopped during the wait, without another attempt', async () => {
    let stopped = false;
    const attempt = attempts(false, true);
    const retried = retryWithBackoff(attempt, { stopped: () => stopped });
    stopped = true;
    await jest.advanceTimersByTimeAsync(200);
    await expect(retried).resolves.toBe(false);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('calls beforeRetry after each wait', async () => {
    const attempt = attempts(false, false, true);
    const beforeRetry = jest.fn().mockResolvedValue(undefined);
    const retried = retryWithBackoff(attempt, { stopped: () => false, beforeRetry });
    await jest.advanceTimersByTimeAsync(600);
    await expect(retried).resolves.toBe(true);
    expect(beforeRetry).toHaveBeenCalledTimes(2);
  });
});

describe('Backoff', () => {
  const waits = (backoff: Backoff, failures: number) => Array.from({ length: failures }, () => backoff.next());

  it('waits 200 ms after a failure, doubling with each failure in a row up to 5 s', () => {
    expect(waits(new Backoff(), 8)).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('starts again from its first wait once reset after a success', () => {
    const backoff = new Backoff(10, 25);
    expect(waits(backoff, 3)).toEqual([10, 20, 25]);
    backoff.reset();
    expect(waits(backoff, 2)).toEqual([10, 20]);
  });
});
