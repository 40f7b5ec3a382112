import type { MessageRow } from '../entities/message.entity';
import { missingSeqs } from './message-log-reader';

const rows = (...seqs: number[]) => seqs.map((seq) => ({ seq }) as MessageRow);

describe('missingSeqs', () => {
  it('finds nothing missing when the hot rows cover the window', () => {
    expect(missingSeqs(rows(1, 2, 3), 1, 3)).toBeNull();
    expect(missingSeqs(rows(5, 6, 7, 8), 5, 6)).toBeNull();
  });

  it('finds a trimmed prefix below the first hot row', () => {
    expect(missingSeqs(rows(91, 92), 1, 90)).toEqual({ first: 1, last: 90 });
  });

  it('finds every seq of the window when Postgres holds none of it', () => {
    expect(missingSeqs([], 3, 40)).toEqual({ first: 3, last: 40 });
  });

  it('spans holes in the middle and a missing end, bounded by the archived seq', () => {
    expect(missingSeqs(rows(1, 2, 5, 6), 1, 9)).toEqual({ first: 3, last: 9 });
    expect(missingSeqs(rows(1, 2, 5, 6), 1, 3)).toEqual({ first: 3, last: 3 });
  });

  it('finds nothing when the window ends below the start', () => {
    expect(missingSeqs(rows(10), 10, 4)).toBeNull();
    expect(missingSeqs([], 10, 9)).toBeNull();
  });
});
