import { appendedEvent, indexFenced, kafkaMessage } from '../../../test/support/event-builder';
import { applyFence } from './index-fence';
import { decodeRecord } from './poison-record';

const appended = (epoch: number | undefined, seq = 3) => appendedEvent('chat-1', seq, 'hi', epoch ?? null);
const record = (value: unknown) => ({ value: Buffer.from(JSON.stringify(value)), timestamp: '1764460800000' });
const fence = (epoch: number) =>
  decodeRecord({ value: kafkaMessage(indexFenced(epoch)).value, timestamp: '1764460800000' });

describe('the fence rule', () => {
  it('decodes a fence record as a fence, not as poison', () => {
    expect(fence(4)).toMatchObject({ kind: 'fence', fence: { index_epoch: 4 } });
  });

  it('raises the partition fence to the fence record epoch and never lowers it', () => {
    expect(applyFence(0, fence(4))).toEqual({ fence: 4, event: null, fenced: false });
    expect(applyFence(6, fence(4))).toEqual({ fence: 6, event: null, fenced: false });
  });

  it('ignores an event decided in an epoch below the fence', () => {
    expect(applyFence(4, decodeRecord(record(appended(3))))).toEqual({ fence: 4, event: null, fenced: true });
  });

  it('treats an event without index_epoch as epoch 0', () => {
    expect(applyFence(0, decodeRecord(record(appended(undefined))))).toMatchObject({ fenced: false });
    expect(applyFence(1, decodeRecord(record(appended(undefined))))).toMatchObject({ fenced: true, event: null });
  });

  it('applies an event of the fence epoch or above', () => {
    expect(applyFence(4, decodeRecord(record(appended(4))))).toMatchObject({ fenced: false, event: { seq: 3 } });
    expect(applyFence(4, decodeRecord(record(appended(5))))).toMatchObject({ fenced: false, event: { seq: 3 } });
  });

  it('fences a poison stand-in by the epoch its envelope names', () => {
    const poisoned = { ...appended(2), data: { reason: 'nonsense' } };
    expect(applyFence(3, decodeRecord(record(poisoned)))).toEqual({ fence: 3, event: null, fenced: true });
    expect(applyFence(2, decodeRecord(record(poisoned)))).toMatchObject({
      fenced: false,
      event: { type: 'message.tombstoned', seq: 3, index_epoch: 2, data: { reason: 'quarantined' } },
    });
  });
});
