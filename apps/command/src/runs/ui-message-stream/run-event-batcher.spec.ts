import { setTimeout as sleep } from 'node:timers/promises';
import type { RunEventBody } from '@threadline/contracts';
import { BatchBounds, RunEventBatcher } from './run-event-batcher';

const delta = (text: string): RunEventBody => ({ kind: 'text-delta', delta: text });
const texts = (events: RunEventBody[]) => events.map((e) => (e.kind === 'text-delta' ? e.delta : e.kind));

/** A batcher whose sends are recorded, and can be made to fail or to wait. */
function recorder(bounds: Partial<BatchBounds> = {}) {
  const sent: { texts: string[]; producerSeq: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const control = { fail: null as Error | null, delayMs: 0 };
  const batcher = new RunEventBatcher(
    { maxEvents: 3, maxBytes: 1_000_000, maxDelayMs: 50, ...bounds },
    async (events, producerSeq) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (control.delayMs > 0) {
        await sleep(control.delayMs);
      }
      inFlight -= 1;
      if (control.fail) {
        throw control.fail;
      }
      sent.push({ texts: texts(events), producerSeq });
    },
  );
  return { batcher, sent, control, maxInFlight: () => maxInFlight };
}

describe('RunEventBatcher', () => {
  afterEach(() => jest.useRealTimers());

  it('sends a batch as soon as it holds maxEvents events, with producer_seq 1, 2, ...', async () => {
    const { batcher, sent } = recorder();
    await batcher.add([delta('a'), delta('b'), delta('c'), delta('d')]);
    await batcher.add([delta('e'), delta('f')]);
    expect(sent).toEqual([
      { texts: ['a', 'b', 'c'], producerSeq: 1 },
      { texts: ['d', 'e', 'f'], producerSeq: 2 },
    ]);
  });

  it('sends a batch once it holds maxBytes of event JSON', async () => {
    const { batcher, sent } = recorder({ maxEvents: 100, maxBytes: 60 });
    await batcher.add([delta('x'.repeat(20)), delta('y'.repeat(20))]);
    expect(sent).toEqual([{ texts: ['x'.repeat(20), 'y'.repeat(20)], producerSeq: 1 }]);
  });

  it('sends a partial batch once its first event has waited maxDelayMs, and not before', async () => {
    jest.useFakeTimers();
    const { batcher, sent } = recorder();
    await batcher.add([delta('a')]);
    await jest.advanceTimersByTimeAsync(49);
    expect(sent).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([{ texts: ['a'], producerSeq: 1 }]);
  });

  it('flush sends what is buffered and waits for every batch before it', async () => {
    const { batcher, sent, control } = recorder();
    control.delayMs = 5;
    await batcher.add([delta('a'), delta('b'), delta('c'), delta('d')]);
    await batcher.flush();
    expect(sent.map((s) => s.producerSeq)).toEqual([1, 2]);
    await batcher.flush();
    expect(sent).toHaveLength(2);
  });

  it('sends one batch at a time, even when the timer fires while a batch is in flight', async () => {
    const { batcher, sent, control, maxInFlight } = recorder({ maxDelayMs: 1 });
    control.delayMs = 10;
    await batcher.add([delta('a')]);
    await sleep(3);
    await batcher.add([delta('b')]);
    await batcher.flush();
    expect(sent.map((s) => s.texts)).toEqual([['a'], ['b']]);
    expect(maxInFlight()).toBe(1);
  });

  it('throws a failed send from the next add or flush and sends nothing after it', async () => {
    const { batcher, sent, control } = recorder();
    control.fail = new Error('run_cancelled');
    await expect(batcher.add([delta('a'), delta('b'), delta('c')])).rejects.toThrow('run_cancelled');
    control.fail = null;
    await expect(batcher.add([delta('d')])).rejects.toThrow('run_cancelled');
    await expect(batcher.flush()).rejects.toThrow('run_cancelled');
    expect(sent).toEqual([]);
  });
});
