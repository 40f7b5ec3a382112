import { checkRunBatch, runBatchHash } from './run-batch';

const limits = { maxBatchEvents: 3, maxBatchBytes: 200 };
const delta = (text: string) => ({ kind: 'text-delta', delta: text });

describe('checkRunBatch', () => {
  it('names an unknown kind with the index of its event', () => {
    expect(() => checkRunBatch([delta('a'), { kind: 'telepathy' }], limits)).toThrow(
      expect.objectContaining({
        code: 'invalid_run_event',
        message: expect.stringMatching(/^events\[1\]\.kind: .*"telepathy"/),
      }),
    );
  });

  it('names the bad field of a known kind, or the event itself for a field its kind does not have', () => {
    expect(() => checkRunBatch([{ kind: 'tool-call', tool_call_id: 'c', input: {} }], limits)).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^events\[0\]\.tool_name: /) }),
    );
    expect(() => checkRunBatch([delta('a'), delta('b'), { ...delta('c'), extra: 1 }], limits)).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^events\[2\]: /) }),
    );
  });

  it('refuses a batch over the event or byte limit with 413 run_too_large', () => {
    expect(() => checkRunBatch([delta('a'), delta('b'), delta('c'), delta('d')], limits)).toThrow(
      expect.objectContaining({ status: 413, code: 'run_too_large' }),
    );
    expect(() => checkRunBatch([delta('x'.repeat(200))], limits)).toThrow(
      expect.objectContaining({ status: 413, code: 'run_too_large' }),
    );
  });

  it('gives the same hash to the same events and another to other events', () => {
    const batch = checkRunBatch([delta('a'), delta('b')], limits);
    expect(runBatchHash(checkRunBatch([delta('a'), delta('b')], limits))).toBe(runBatchHash(batch));
    expect(runBatchHash(checkRunBatch([delta('ab')], limits))).not.toBe(runBatchHash(batch));
  });
});
