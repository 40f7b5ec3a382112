import type { SessionEventView } from '@threadline/contracts';
import { TailBatcher } from './tail-batcher';

const event = (seq: number) => ({ seq }) as SessionEventView;

/** A batcher whose scheduled flushes run when the test says the turn is over. */
function batcher(batchSize: number) {
  const sent: number[][] = [];
  const scheduled: Array<() => void> = [];
  const b = new TailBatcher(
    batchSize,
    (events) => sent.push(events.map((e) => e.seq)),
    (flush) => scheduled.push(flush),
  );
  const endTurn = () => scheduled.splice(0).forEach((flush) => flush());
  return { b, sent, endTurn };
}

describe('TailBatcher', () => {
  it('with batch size 1 sends every event at once, scheduling nothing', () => {
    const { b, sent } = batcher(1);
    b.add(event(1));
    b.add(event(2));
    expect(sent).toEqual([[1], [2]]);
  });

  it('sends full batches at once and the rest when the turn is over, never waiting for more', () => {
    const { b, sent, endTurn } = batcher(3);
    for (let seq = 1; seq <= 7; seq += 1) {
      b.add(event(seq));
    }
    expect(sent).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    endTurn();
    expect(sent).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    b.add(event(8));
    endTurn();
    expect(sent.at(-1)).toEqual([8]);
  });

  it('flushes on demand (before a gap) and drops what is pending once cancelled', () => {
    const { b, sent, endTurn } = batcher(10);
    b.add(event(1));
    b.flush();
    expect(sent).toEqual([[1]]);
    b.add(event(2));
    b.cancel();
    endTurn();
    expect(sent).toEqual([[1]]);
  });
});
