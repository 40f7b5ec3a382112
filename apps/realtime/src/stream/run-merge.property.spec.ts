import fc from 'fast-check';
import type { RunEvent } from '@threadline/contracts';
import { RunMerge } from './run-merge';
import { RunOutput } from './run-output';

const RUN = 'run_p';
const delta = (runSeq: number): RunEvent => ({ kind: 'text-delta', delta: `d${runSeq}`, run_seq: runSeq });

/**
 * A run of n events written in batches; the subscriber joins before batch `join`
 * (earlier batches never reach it live); then live batches (some delivered twice, as
 * after a fan-out replay), the projector writing Postgres behind them, and the
 * subscriber's reads of what `missing` names (a page at a time) happen in any order.
 */
const scenario = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 25 }).chain((sizes) =>
  fc.record({
    sizes: fc.constant(sizes),
    join: fc.integer({ min: 0, max: sizes.length }),
    page: fc.integer({ min: 1, max: 6 }),
    steps: fc.array(fc.constantFrom('live', 'again', 'project', 'read'), { maxLength: 120 }),
  }),
);

describe('RunMerge (properties)', () => {
  it("gives a run's events 1..n exactly once in order, then its status, whatever the interleaving of live and read", () => {
    fc.assert(
      fc.property(scenario, ({ sizes, join, page, steps }) => {
        const batches: RunEvent[][] = [];
        let n = 0;
        for (const size of sizes) {
          batches.push(Array.from({ length: size }, (_, i) => delta(n + i + 1)));
          n += size;
        }
        const merge = new RunMerge(new Map(), 4);
        const out: RunOutput[] = [];
        let nextLive = join;
        let produced = batches.slice(0, join).reduce((sum, batch) => sum + batch.length, 0);
        let projected = 0;
        const read = () => {
          const missing = merge.missing();
          if (missing === null) {
            return false;
          }
          const to = Math.min(missing.before - 1, projected, missing.after + page);
          const events = Array.from({ length: Math.max(0, to - missing.after) }, (_, i) =>
            delta(missing.after + i + 1),
          );
          out.push(...merge.offer(missing.runId, events));
          return events.length > 0;
        };
        const live = () => {
          out.push(...merge.offer(RUN, batches[nextLive]));
          produced += batches[nextLive].length;
          nextLive += 1;
        };
        merge.follow(RUN);
        for (const step of steps) {
          if (step === 'live' && nextLive < batches.length) {
            live();
          } else if (step === 'again' && nextLive > join) {
            out.push(...merge.offer(RUN, batches[nextLive - 1]));
          } else if (step === 'project') {
            projected = Math.min(produced, projected + page);
          } else if (step === 'read') {
            read();
          }
        }
        while (nextLive < batches.length) {
          live();
        }
        out.push(...merge.end(RUN, { status: 'committed', reason: null, lastRunSeq: n, messageSeqs: [1] }));
        projected = n;
        while (read()) {
          continue;
        }
        expect(merge.missing()).toBeNull();
        const events = out.filter((o) => o.kind === 'run_event').map((o) => o.seq);
        expect(events).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        expect(out[out.length - 1]).toMatchObject({ kind: 'run_status', status: 'committed' });
        expect(out.filter((o) => o.kind === 'run_status')).toHaveLength(1);
      }),
    );
  });
});
