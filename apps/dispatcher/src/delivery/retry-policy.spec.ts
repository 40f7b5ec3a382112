import { backoffCeilingMs, parseRetryAfter, retryDelayMs } from './retry-policy';

const policy = { baseMs: 500, factor: 5, capMs: 1_800_000 };

describe('retry policy', () => {
  it('lands the first retry within the base delay, so within a second by default', () => {
    expect(retryDelayMs(policy, 1, null, () => 0.999)).toBeLessThan(1000);
  });

  it('grows the ceiling by the factor per failed attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeilingMs(policy, n))).toEqual([
      500, 2500, 12_500, 62_500, 312_500, 1_562_500, 1_800_000, 1_800_000,
    ]);
  });

  it('spreads 8 attempts over about an hour at most with the defaults', () => {
    const total = [1, 2, 3, 4, 5, 6, 7].reduce((sum, n) => sum + backoffCeilingMs(policy, n), 0);
    expect(total / 60_000).toBeGreaterThan(55);
    expect(total / 60_000).toBeLessThan(65);
  });

  it('picks a full-jitter delay between zero and the ceiling', () => {
    expect(retryDelayMs(policy, 3, null, () => 0)).toBe(0);
    expect(retryDelayMs(policy, 3, null, () => 0.5)).toBe(6250);
  });

  it('honours Retry-After instead of the backoff, bounded by the cap', () => {
    expect(retryDelayMs(policy, 1, 3000)).toBe(3000);
    expect(retryDelayMs({ ...policy, capMs: 2000 }, 1, 3000)).toBe(2000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:05 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
