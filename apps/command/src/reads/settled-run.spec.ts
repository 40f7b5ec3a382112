import { settledRun } from './settled-run';

const at = (...seqs: number[]) => seqs.map((seq) => ({ seq }));

describe('settledRun', () => {
  it('keeps a page of consecutive seqs from the start whole', () => {
    expect(settledRun(at(4, 5, 6), 4)).toEqual({ entries: at(4, 5, 6), stoppedAt: null });
  });

  it('keeps an empty page (the end of the log) without stopping', () => {
    expect(settledRun([], 9)).toEqual({ entries: [], stoppedAt: null });
  });

  it('stops before the first missing seq when a later one is present', () => {
    expect(settledRun(at(5, 6, 8, 9), 5)).toEqual({ entries: at(5, 6), stoppedAt: 7 });
  });

  it('returns nothing when the first seq of the page is missing', () => {
    expect(settledRun(at(8), 7)).toEqual({ entries: [], stoppedAt: 7 });
  });
});
