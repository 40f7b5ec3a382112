/** Knobs shared by every scenario; `npm run bench` takes them from the environment. */
export interface BenchSettings {
  /** Closed-loop worker counts, one measurement each. */
  concurrency: number[];
  warmupMs: number;
  durationMs: number;
  /** Conversations written to. */
  conversations: number;
  kafkaBrokers: string;
  redisUrl: string;
  databaseUrl: string;
}

/** One of the performance targets (docs/performance.md), as a ratio against the raw floor of the same run. */
export interface TargetCheck {
  target: string;
  reached: number;
  limit: number;
  /** The target is a floor (`reached >= limit`) rather than a ceiling. */
  atLeast?: boolean;
}

export interface ScenarioResult {
  /** The human-readable table printed to stdout. */
  table: string;
  /** Anything worth saying under the table. */
  notes: string[];
  /** What goes into bench/results/latest.json. */
  data: Record<string, unknown>;
  /** The targets this scenario measures; `npm run bench` ends with one table of all of them. */
  targets?: TargetCheck[];
}

/** One benchmark; bench/main.ts runs those named on the command line (all by default). */
export interface Scenario {
  name: string;
  description: string;
  run(settings: BenchSettings): Promise<ScenarioResult>;
}

export function log(message: string): void {
  console.error(`[bench] ${message}`);
}

/** A positive number from the environment, `fallback` when unset or empty. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got ${raw}`);
  }
  return value;
}
