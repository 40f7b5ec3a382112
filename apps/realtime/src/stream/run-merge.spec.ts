import type { RunEvent } from '@threadline/contracts';
import { RunMerge, UNBOUNDED } from './run-merge';
import { RunEnd, RunOutput } from './run-output';

const delta = (runSeq: number): RunEvent => ({ kind: 'text-delta', delta: `d${runSeq}`, run_seq: runSeq });
const deltas = (from: number, to: number): RunEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => delta(from + i));
const committed = (lastRunSeq: number): RunEnd => ({
  status: 'committed',
  reason: null,
  lastRunSeq,
  messageSeqs: [7],
});
const seqs = (outputs: RunOutput[]) => outputs.map((o) => (o.kind === 'run_event' ? o.seq : o.status));

describe('RunMerge', () => {
  it('releases a run from run_seq 1 and drops what it released already', () => {
    const merge = new RunMerge(new Map(), 100);
    expect(seqs(merge.offer('run_a', deltas(1, 3)))).toEqual([1, 2, 3]);
    expect(seqs(merge.offer('run_a', deltas(2, 4)))).toEqual([4]);
  });

  it("starts after the client's cursor for the run", () => {
    const merge = new RunMerge(new Map([['run_a', 2]]), 100);
    expect(seqs(merge.offer('run_a', deltas(1, 4)))).toEqual([3, 4]);
  });

  it('holds live events ahead of what was released and asks for the missing ones', () => {
    const merge = new RunMerge(new Map(), 100);
    expect(merge.offer('run_a', deltas(5, 6))).toEqual([]);
    expect(merge.missing()).toEqual({ runId: 'run_a', after: 0, before: 5 });
    expect(seqs(merge.offer('run_a', deltas(1, 4)))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(merge.missing()).toBeNull();
  });

  it("sends a run's status only after its events through the end's last run_seq, once", () => {
    const merge = new RunMerge(new Map(), 100);
    merge.offer('run_a', deltas(1, 2));
    expect(merge.end('run_a', committed(4))).toEqual([]);
    expect(merge.missing()).toEqual({ runId: 'run_a', after: 2, before: 5 });
    expect(seqs(merge.offer('run_a', deltas(3, 4)))).toEqual([3, 4, 'committed']);
    expect(merge.end('run_a', committed(4))).toEqual([]);
    expect(merge.offer('run_a', deltas(5, 5))).toEqual([]);
    expect(merge.follows('run_a')).toBe(false);
  });

  it('asks for the events a committed message waits for and says when they were released', () => {
    const merge = new RunMerge(new Map(), 100);
    merge.follow('run_a');
    merge.require('run_a', 3);
    expect(merge.released('run_a', 3)).toBe(false);
    expect(merge.missing()).toEqual({ runId: 'run_a', after: 0, before: 4 });
    merge.offer('run_a', deltas(1, 3));
    expect(merge.released('run_a', 3)).toBe(true);
  });

  it('keeps each run on its own run_seqs and reports the positions of the runs not ended', () => {
    const merge = new RunMerge(new Map(), 100);
    merge.offer('run_a', deltas(1, 2));
    merge.offer('run_b', deltas(1, 1));
    merge.end('run_b', committed(1));
    expect(merge.positions).toEqual(new Map([['run_a', 2]]));
  });

  it('sends only the status of a run it did not follow before its end', () => {
    const merge = new RunMerge(new Map(), 100);
    expect(seqs(merge.end('run_a', committed(4)))).toEqual(['committed']);
    expect(merge.missing()).toBeNull();
  });

  it('asks for everything Postgres has of a run it joined while streaming, until told it caught up', () => {
    const merge = new RunMerge(new Map([['run_a', 3]]), 100);
    merge.catchUp('run_a');
    expect(merge.missing()).toEqual({ runId: 'run_a', after: 3, before: UNBOUNDED });
    merge.offer('run_a', deltas(4, 5));
    merge.caughtUp('run_a');
    expect(merge.missing()).toBeNull();
  });
});
