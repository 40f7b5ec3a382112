import { setTimeout as sleep } from 'node:timers/promises';
import { LatencyHistogram, LatencySummary } from './histogram';

export interface ClosedLoopOptions {
  /** Workers, each with one operation outstanding at a time. */
  concurrency: number;
  /** Operations that start before this are not recorded. */
  warmupMs: number;
  /** Operations that start within this window after the warm-up are recorded; none start after it. */
  durationMs: number;
}

export interface ClosedLoopResult {
  concurrency: number;
  latency: LatencySummary;
  /** Successful operations started within the measured window. */
  ops: number;
  /** Failed operations started within the measured window. */
  errors: number;
  errorSamples: string[];
  throughputPerSec: number;
  /** Operations completed including the warm-up. */
  totalOps: number;
  /** CPU time of this (the driving) process per completed operation, warm-up included. */
  driverCpuMsPerOp: number;
}

const MAX_ERROR_SAMPLES = 5;
const ERROR_BACKOFF_MS = 5;

/**
 * Runs `concurrency` closed-loop workers: each starts its next operation as soon
 * as its previous one ends, until the measured window is over. Bounded by time:
 * it returns once the last operation started in the window has settled.
 */
export async function runClosedLoop(
  options: ClosedLoopOptions,
  operation: (worker: number) => Promise<void>,
): Promise<ClosedLoopResult> {
  const histogram = new LatencyHistogram();
  const measureFrom = performance.now() + options.warmupMs;
  const measureUntil = measureFrom + options.durationMs;
  let errors = 0;
  let totalOps = 0;
  const errorSamples: string[] = [];
  const cpuBefore = process.cpuUsage();

  const worker = async (index: number): Promise<void> => {
    for (;;) {
      const started = performance.now();
      if (started >= measureUntil) {
        return;
      }
      const measured = started >= measureFrom;
      try {
        await operation(index);
        totalOps += 1;
        if (measured) {
          histogram.recordMs(performance.now() - started);
        }
      } catch (error) {
        if (measured) {
          errors += 1;
          if (errorSamples.length < MAX_ERROR_SAMPLES) {
            errorSamples.push(error instanceof Error ? error.message : String(error));
          }
        }
        await sleep(ERROR_BACKOFF_MS);
      }
    }
  };

  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    concurrency: options.concurrency,
    latency: histogram.summary(),
    ops: histogram.count,
    errors,
    errorSamples,
    throughputPerSec: histogram.count / (options.durationMs / 1000),
    totalOps,
    driverCpuMsPerOp: totalOps > 0 ? (cpu.user + cpu.system) / 1000 / totalOps : 0,
  };
}

/** Runs `task` over `items` with at most `concurrency` at a time. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
