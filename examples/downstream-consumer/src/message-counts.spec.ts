import { appendedEvent, indexFenced, kafkaMessage } from '../../../test/support/event-builder';
import { MessageCounts } from './message-counts';

const at = '2026-11-30T12:00:00.000Z';
const C1 = { tenantId: 'default', conversationId: 'c1' };
const appended = (seq: number, epoch: number, text = `m${seq}`, tenantId = 'default') =>
  kafkaMessage(appendedEvent({ tenantId, conversationId: 'c1' }, seq, text, epoch, null, at)).value;
const fence = (epoch: number) => kafkaMessage(indexFenced(epoch, at)).value;
const record = (value: Buffer) => ({ value, timestamp: String(Date.parse(at)) });

describe('MessageCounts', () => {
  it("counts two tenants' same conversation id apart", () => {
    const counts = new MessageCounts();
    for (const value of [appended(1, 1), appended(1, 1, 'acme', 'acme'), appended(2, 1, 'acme', 'acme')]) {
      counts.apply(0, record(value));
    }
    expect(counts.get(C1)).toEqual({ messages: 1, tombstones: 0, deleted: false });
    expect(counts.get({ tenantId: 'acme', conversationId: 'c1' })).toEqual({
      messages: 2,
      tombstones: 0,
      deleted: false,
    });
  });

  it('counts an event of schema_version 1 as the default tenant', () => {
    const counts = new MessageCounts();
    const legacy = JSON.parse(appended(1, 1).toString('utf8')) as { tenant_id?: string; data: { actor?: null } };
    delete legacy.tenant_id;
    delete legacy.data.actor;
    counts.apply(0, record(Buffer.from(JSON.stringify({ ...legacy, schema_version: 1 }))));
    expect(counts.get(C1)).toEqual({ messages: 1, tombstones: 0, deleted: false });
  });

  it('counts the first event per seq only', () => {
    const counts = new MessageCounts();
    for (const value of [appended(1, 1), appended(2, 1), appended(2, 1, 'again')]) counts.apply(0, record(value));
    expect(counts.get(C1)).toEqual({ messages: 2, tombstones: 0, deleted: false });
  });

  it('ignores an event of an epoch its partition fenced off, and only in that partition', () => {
    const counts = new MessageCounts();
    counts.apply(0, record(fence(2)));
    counts.apply(0, record(appended(1, 1)));
    expect(counts.get(C1)).toBeNull();
    counts.apply(1, record(appended(1, 1)));
    expect(counts.get(C1)).toEqual({ messages: 1, tombstones: 0, deleted: false });
  });

  it('counts a poison record naming a seq as its quarantined tombstone', () => {
    const counts = new MessageCounts();
    counts.apply(0, record(Buffer.from(JSON.stringify({ conversation_id: 'c1', seq: 1, index_epoch: 1 }))));
    expect(counts.get(C1)).toEqual({ messages: 0, tombstones: 1, deleted: false });
  });
});
