import { RunEnd } from './run';
import { followRun, RunFollowDeps } from './run-events';
import { RunEvent, RunFrame } from './types';

const event = (runSeq: number): RunEvent => ({ kind: 'text-delta', delta: `d${runSeq}`, run_seq: runSeq });
const frame = (runSeq: number): RunFrame => ({ type: 'run_event', run_id: 'run_a', ...event(runSeq) });
const status = (lastRunSeq: number): RunFrame => ({
  type: 'run_status',
  run_id: 'run_a',
  status: 'committed',
  reason: null,
  last_run_seq: lastRunSeq,
  message_seqs: [4],
});

/** Frames (then 'quiet' forever) and a REST replay of `stored` events: the first read finds none written, each next two more. */
function fakeRun(frames: Array<RunFrame | 'quiet'>, stored: number, finished: boolean) {
  const reads: number[] = [];
  const waits: number[] = [];
  let visible = 0;
  const deps: RunFollowDeps = {
    next: async () => frames.shift() ?? 'quiet',
    events: async (after) => {
      reads.push(after);
      visible = reads.length === 1 ? 0 : Math.min(stored, visible + 2);
      const events = [];
      for (let seq = after + 1; seq <= visible; seq += 1) {
        events.push(event(seq));
      }
      return { events, next_after: finished && visible === stored && after + events.length >= stored ? null : after };
    },
    end: async (): Promise<RunEnd> => ({
      run_id: 'run_a',
      status: 'cancelled',
      reason: 'requested',
      last_run_seq: stored,
    }),
    wait: async (idle) => {
      waits.push(idle);
    },
  };
  return { deps, reads, waits };
}

async function drain(run: AsyncGenerator<RunEvent, RunEnd>): Promise<{ seqs: number[]; end: RunEnd }> {
  const seqs: number[] = [];
  for (;;) {
    const next = await run.next();
    if (next.done) {
      return { seqs, end: next.value };
    }
    seqs.push(next.value.run_seq);
  }
}

describe('followRun', () => {
  it('yields live events in order, drops repeated ones, and ends with the run_status without reading REST', async () => {
    const { deps, reads } = fakeRun([frame(1), frame(2), frame(2), frame(1), frame(3), status(3)], 3, true);
    const { seqs, end } = await drain(followRun(0, deps));
    expect(seqs).toEqual([1, 2, 3]);
    expect(end).toEqual({
      run_id: 'run_a',
      status: 'committed',
      reason: null,
      last_run_seq: 3,
      messages: [{ seq: 4 }],
    });
    expect(reads).toEqual([]);
  });

  it('repairs a frame ahead of the next run_seq from the replay, waiting while it is not written yet', async () => {
    const { deps, reads, waits } = fakeRun([frame(5), frame(6), status(6)], 6, false);
    const { seqs } = await drain(followRun(0, deps));
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reads).toEqual([0, 0, 2]);
    expect(waits).toEqual([1]);
  });

  it('reads the events a run_status names that no frame brought, starting after fromSeq', async () => {
    const { deps } = fakeRun([frame(3), status(5)], 5, true);
    const { seqs, end } = await drain(followRun(2, deps));
    expect(seqs).toEqual([3, 4, 5]);
    expect(end.status).toBe('committed');
  });

  it('carries on over REST while the stream is quiet, and ends when the replay says the run is finished', async () => {
    const { deps } = fakeRun(['quiet', 'quiet'], 5, true);
    const { seqs, end } = await drain(followRun(0, deps));
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(end).toMatchObject({ status: 'cancelled', last_run_seq: 5 });
  });
});
