/** Exponential backoff with full jitter (docs/agents.md, retries). */
export interface RetryPolicy {
  baseMs: number;
  factor: number;
  capMs: number;
}

/**
 * The wait before the next attempt once `failedAttempts` attempts have failed:
 * random(0, min(cap, base x factor^(failedAttempts - 1))). A receiver's
 * Retry-After, when given, replaces it, bounded by the cap.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  failedAttempts: number,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== null) {
    return Math.min(Math.max(retryAfterMs, 0), policy.capMs);
  }
  return Math.floor(random() * backoffCeilingMs(policy, failedAttempts));
}

/** The longest wait full jitter can pick after `failedAttempts` failures. */
export function backoffCeilingMs(policy: RetryPolicy, failedAttempts: number): number {
  const exponent = Math.max(failedAttempts - 1, 0);
  return Math.min(policy.capMs, policy.baseMs * policy.factor ** exponent);
}

/**
 * A Retry-After header as milliseconds from `now`: delta-seconds or an HTTP
 * date (RFC 9110 §10.2.3); null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null) {
    return null;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(at - now.getTime(), 0);
}
