import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

export interface ReadinessCheckResult {
  ok: boolean;
  detail?: unknown;
}

export type ReadinessCheck = () => Promise<ReadinessCheckResult> | ReadinessCheckResult;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, ReadinessCheckResult>;
}

/**
 * Each dependency a service needs registers one check here; `/health/ready`
 * answers 200 only when every check passes, else 503 naming the ones that fail.
 */
@Injectable()
export class ReadinessService implements BeforeApplicationShutdown {
  private readonly checks = new Map<string, ReadinessCheck>();
  private shuttingDown = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  /** On SIGTERM every service turns unready first, so load balancers stop sending work while it drains. */
  beforeApplicationShutdown(): void {
    this.markShuttingDown();
  }

  async report(timeoutMs = 2000): Promise<ReadinessReport> {
    const checks: Record<string, ReadinessCheckResult> = {};
    if (this.shuttingDown) {
      checks.shutdown = { ok: false, detail: 'shutting down' };
    }
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        checks[name] = await withTimeout(Promise.resolve().then(check), timeoutMs).catch((error: unknown) => ({
          ok: false,
          detail: error instanceof Error ? error.message : String(error),
        }));
      }),
    );
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`check timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
