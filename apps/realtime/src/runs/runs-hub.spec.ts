import type { RunEvent } from '@threadline/contracts';
import { RunEnd } from '../stream/run-output';
import { RunsHub } from './runs-hub';

const delta = (runSeq: number): RunEvent => ({ kind: 'text-delta', delta: `d${runSeq}`, run_seq: runSeq });
const end: RunEnd = { status: 'committed', reason: null, lastRunSeq: 3, messageSeqs: [7] };

describe('RunsHub', () => {
  it("remembers each run's highest run_seq published and its end, per conversation, with no listener", () => {
    const hub = new RunsHub();
    hub.publish('t1/c1', { kind: 'events', runId: 'run_a', events: [delta(1), delta(2)] });
    hub.publish('t1/c1', { kind: 'events', runId: 'run_b', events: [delta(1)] });
    hub.publish('t1/c1', { kind: 'events', runId: 'run_a', events: [delta(3)] });
    hub.publish('t1/c1', { kind: 'end', runId: 'run_a', end });
    expect(hub.liveRuns('t1/c1')).toEqual(
      new Map([
        ['run_b', { lastRunSeq: 1, end: null }],
        ['run_a', { lastRunSeq: 3, end }],
      ]),
    );
    expect(hub.liveRuns('t2/c1').size).toBe(0);
  });

  it('keeps the 16 runs of a conversation published last, and hands out copies', () => {
    const hub = new RunsHub();
    for (let n = 1; n <= 17; n += 1) {
      hub.publish('t1/c1', { kind: 'events', runId: `run_${n}`, events: [delta(1)] });
    }
    const runs = hub.liveRuns('t1/c1');
    expect([...runs.keys()]).toEqual(Array.from({ length: 16 }, (_, i) => `run_${i + 2}`));
    runs.get('run_2')!.lastRunSeq = 99;
    expect(hub.liveRuns('t1/c1').get('run_2')).toEqual({ lastRunSeq: 1, end: null });
  });

  it('remembers 100,000 runs in all, the least recently published forgotten first', () => {
    const hub = new RunsHub();
    for (let n = 0; n <= 100_000; n += 1) {
      hub.publish(`t1/c${n}`, { kind: 'events', runId: 'run', events: [delta(1)] });
    }
    expect(hub.liveRuns('t1/c0').size).toBe(0);
    expect(hub.liveRuns('t1/c1').get('run')).toEqual({ lastRunSeq: 1, end: null });
    expect(hub.liveRuns('t1/c100000').get('run')).toEqual({ lastRunSeq: 1, end: null });
  });

  it('hands each item to the listeners of its conversation only', () => {
    const hub = new RunsHub();
    const seen: string[] = [];
    const stop = hub.subscribe('t1/c1', (item) => seen.push(item.runId));
    hub.subscribe('t1/c2', () => seen.push('other'));
    hub.publish('t1/c1', { kind: 'events', runId: 'run_a', events: [delta(1)] });
    stop();
    hub.publish('t1/c1', { kind: 'events', runId: 'run_b', events: [delta(1)] });
    expect(seen).toEqual(['run_a']);
  });
});
