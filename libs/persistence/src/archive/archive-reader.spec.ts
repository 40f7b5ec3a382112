import { DataSource } from 'typeorm';
import type { ConversationEvent } from '@threadline/contracts';
import { appendedEvent, Conversation, legacyEventValue, tombstonedEvent } from '../../../../test/support/event-builder';
import { ArchiveObjectMissingError, ArchiveReader } from './archive-reader';
import { ObjectStore } from './object-store';
import { compressSegment, encodeLine } from './segment-format';

const appended = (id: Conversation, seq: number, text: string) => appendedEvent(id, seq, text, null, { id: 'p', seq });
const tombstoned = (id: string, seq: number) => tombstonedEvent(id, seq);

class MemoryStore implements ObjectStore {
  readonly location = 'memory:';
  readonly objects = new Map<string, Buffer>();
  async put(key: string, bytes: Buffer) {
    this.objects.set(key, bytes);
  }
  async get(key: string) {
    return this.objects.get(key) ?? null;
  }
  async exists(key: string) {
    return this.objects.has(key);
  }
  async ping() {}
  async *list(prefix: string) {
    yield [...this.objects.keys()]
      .filter((key) => key.startsWith(prefix))
      .map((key) => ({ key, lastModified: new Date(0), partial: false }));
  }
  async delete(key: string) {
    this.objects.delete(key);
  }
}

function segment(store: MemoryStore, key: string, events: { offset: number; event: ConversationEvent }[]) {
  void store.put(key, compressSegment(events.map(({ offset, event }) => encodeLine({ partition: 2, offset, event }))));
}

const C = { tenantId: 'default', conversationId: 'c' };

describe('ArchiveReader', () => {
  const store = new MemoryStore();
  segment(store, 'a', [
    { offset: 10, event: appended('c', 2, 'two') },
    { offset: 11, event: appended('other', 1, 'not mine') },
    { offset: 12, event: appended('c', 1, 'one') },
    { offset: 13, event: appended({ tenantId: 'acme', conversationId: 'c' }, 5, "another tenant's c") },
  ]);
  segment(store, 'b', [
    { offset: 20, event: appended('c', 2, 'a later duplicate that must lose') },
    { offset: 21, event: tombstoned('c', 3) },
    { offset: 22, event: appended('c', 4, 'four') },
  ]);
  // Index rows as Postgres returns them: ordered by partition, first offset.
  const rows = [
    { segment_key: 'a', first_line: 0, last_line: 3 },
    { segment_key: 'b', first_line: 0, last_line: 2 },
  ];
  const dataSource = { query: async () => rows } as unknown as DataSource;
  const reader = new ArchiveReader(dataSource, store);

  it('returns the first event per seq in partition order, tombstones included, as message rows', async () => {
    const messages = await reader.readRange(C, 1, 10, 100);
    expect(messages.map((m) => [m.seq, m.kind, m.parts, m.kafkaOffset])).toEqual([
      [1, 'message', [{ type: 'text', text: 'one' }], 12],
      [2, 'message', [{ type: 'text', text: 'two' }], 10],
      [3, 'tombstone', null, 21],
      [4, 'message', [{ type: 'text', text: 'four' }], 22],
    ]);
    expect(messages[2]).toMatchObject({ tombstoneReason: 'abandoned', version: null, kafkaPartition: 2 });
    expect(messages[0]).toMatchObject({ role: 'user', version: 1, tokenCount: 1, producerId: 'p', producerSeq: 1 });
  });

  it('applies the range and the limit', async () => {
    expect((await reader.readRange(C, 2, 4, 2)).map((m) => m.seq)).toEqual([2, 3]);
    expect(await reader.readRange(C, 5, 4, 10)).toEqual([]);
  });

  it('fails loudly when an indexed object is missing', async () => {
    const broken = new ArchiveReader(
      { query: async () => [{ segment_key: 'gone', first_line: 0, last_line: 0 }] } as unknown as DataSource,
      store,
    );
    await expect(broken.readRange(C, 1, 1, 1)).rejects.toThrow(ArchiveObjectMissingError);
  });

  it("never returns another tenant's line, even from a segment that holds one", async () => {
    expect((await reader.readRange(C, 5, 5, 10)).map((m) => m.seq)).toEqual([]);
  });

  it('reads the lines of segments from before tenants as the default tenant, with no actor', async () => {
    const legacy = JSON.parse(legacyEventValue(appended('c', 1, 'old')).toString('utf8')) as unknown;
    await store.put(
      'old',
      compressSegment([Buffer.from(`${JSON.stringify({ partition: 2, offset: 5, event: legacy })}\n`)]),
    );
    const oldReader = new ArchiveReader(
      { query: async () => [{ segment_key: 'old', first_line: 0, last_line: 0 }] } as unknown as DataSource,
      store,
    );
    expect(await oldReader.readRange(C, 1, 1, 1)).toEqual([
      expect.objectContaining({ tenantId: 'default', conversationId: 'c', seq: 1, actor: null }),
    ]);
  });
});
