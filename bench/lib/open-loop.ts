import { setTimeout as sleep } from 'node:timers/promises';
export interface OpenLoopResult {
  /** Operations started (all of them, whether they succeeded or not). */
  started: number;
  errors: number;
  errorSamples: string[];
  /** The most an operation started after its scheduled time (the driver's own event-loop delay). */
  maxLateMs: number;
}

const MAX_ERROR_SAMPLES = 5;

/**
 * Starts `operation(i)` on a fixed schedule, `ratePerSec` per second for
 * `durationMs`, without waiting for earlier operations to end (open loop: a slow
 * system gets the same offered load, not less). Resolves once all have settled.
 */
export async function runOpenLoop(
  ratePerSec: number,
  durationMs: number,
  operation: (index: number) => Promise<void>,
): Promise<OpenLoopResult> {
  const total = Math.floor((durationMs * ratePerSec) / 1000);
  const intervalMs = 1000 / ratePerSec;
  const errorSamples: string[] = [];
  const pending: Promise<void>[] = [];
  let errors = 0;
  let maxLateMs = 0;
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait >= 1) {
      await sleep(wait);
    }
    maxLateMs = Math.max(maxLateMs, performance.now() - due);
    pending.push(
      operation(i).catch((error: unknown) => {
        errors += 1;
        if (errorSamples.length < MAX_ERROR_SAMPLES) {
          errorSamples.push(error instanceof Error ? error.message : String(error));
        }
      }),
    );
  }
  await Promise.all(pending);
  return { started: total, errors, errorSamples, maxLateMs };
}
