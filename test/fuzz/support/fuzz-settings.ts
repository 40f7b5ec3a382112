import fc from 'fast-check';

/**
 * Every fuzz suite runs with the same fast-check parameters: a fixed seed and a
 * small number of runs in `npm test` (repeatable in CI), more runs and a random
 * seed through `npm run test:fuzz -- --runs N [--seed S]` (scripts/fuzz sets
 * FUZZ_RUNS and FUZZ_SEED). A failure prints the seed and path to replay it.
 */
export const FUZZ_SEED = process.env.FUZZ_SEED === 'random' ? Date.now() : Number(process.env.FUZZ_SEED ?? 20261130);
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 60);

export function fuzzParameters<T>(overrides: fc.Parameters<T> = {}): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: FUZZ_RUNS, verbose: 1, ...overrides };
}
