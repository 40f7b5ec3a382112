import type { RunEvent } from '@threadline/contracts';
import { SubscriberOutput } from '../../stream/run-output';
import { SseResumePosition } from './sse-resume-position';

const event = (runId: string, seq: number): SubscriberOutput => ({
  kind: 'run_event',
  runId,
  seq,
  event: { kind: 'text-delta', delta: 'x', run_seq: seq } as RunEvent,
});
const message = (seq: number): SubscriberOutput => ({
  kind: 'message',
  seq,
  version: seq,
  message: { role: 'assistant', parts: [], metadata: {}, token_count: null },
  insertedAt: 'x',
  author: { actor: null, producerId: null, producerSeq: null },
});

describe('SseResumePosition', () => {
  it('gives each event the cursors a reconnect resumes from: the message seq and each run in flight', () => {
    const position = new SseResumePosition(5, new Map([['run_a', 2]]), () => 5);
    expect(position.idAfter(event('run_a', 3))).toBe('5.run_a.3');
    expect(position.idAfter(event('run_b', 1))).toBe('5.run_a.3.run_b.1');
    expect(
      position.idAfter({
        kind: 'run_status',
        runId: 'run_a',
        status: 'committed',
        reason: null,
        lastRunSeq: 3,
        messageSeqs: [6],
      }),
    ).toBe('5.run_b.1');
    expect(position.idAfter(message(6))).toBe('6.run_b.1');
    expect(position.idAfter({ kind: 'gap', expected: 7, actual: 9 })).toBeNull();
  });

  it('names the seq a live-only stream started after once known, and none before', () => {
    let start: number | null = null;
    const position = new SseResumePosition(null, new Map(), () => start);
    expect(position.idAfter(event('run_a', 1))).toBe('.run_a.1');
    start = 41;
    expect(position.idAfter(event('run_a', 2))).toBe('41.run_a.2');
  });
});
