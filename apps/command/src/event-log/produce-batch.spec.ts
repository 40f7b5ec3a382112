import { produceBatchLength } from './produce-batch';

describe('produceBatchLength', () => {
  it('takes records up to the count limit when they are small', () => {
    expect(produceBatchLength([10, 10, 10, 10], 3, 1000)).toBe(3);
  });

  it('stops before the record that would take the request past the byte limit', () => {
    expect(produceBatchLength([400, 400, 400], 10, 1000)).toBe(2);
    expect(produceBatchLength([400, 600, 1], 10, 1000)).toBe(2);
  });

  it('sends a record larger than the byte limit by itself', () => {
    expect(produceBatchLength([2000, 10], 10, 1000)).toBe(1);
    expect(produceBatchLength([10, 2000], 10, 1000)).toBe(1);
  });

  it('takes nothing from an empty queue', () => {
    expect(produceBatchLength([], 10, 1000)).toBe(0);
  });
});
