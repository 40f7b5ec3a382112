import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConversationEvent, ConversationRef } from '@threadline/contracts';
import { dataSourceOptions } from '@threadline/persistence';
import { appendedEvent, createdEvent, participantsSetEvent } from '../../../../test/support/event-builder';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';
import { projectorConfigSchema } from '../config/projector.config';
import { isDataError } from './data-error';
import { ChunkInput, ProjectionWriter } from './projection-writer';

/**
 * ProjectionWriter against the local stack's Postgres (threadline_test, migrated): the pipelined
 * write of a chunk that follows this instance's last one, and the locking write it falls back to.
 */
const run = randomBytes(4).toString('hex');
const tenantId = `writer-${run}`;
const config = projectorConfigSchema.parse({
  AUTH_MODE: 'none',
  DATABASE_URL: TEST_DATABASE_URL,
  PROJECTOR_GROUP_ID: `writer-medium-${run}`,
  KAFKA_TOPIC: `writer-medium-${run}`,
});
const dataSource = new DataSource(dataSourceOptions(config.postgres));
let partition = 0;

beforeAll(async () => {
  await dataSource.initialize();
});
afterAll(async () => {
  for (const table of ['messages', 'producer_pairs', 'conversation_participants']) {
    await dataSource.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
  }
  await dataSource.query('DELETE FROM conversations WHERE tenant_id = $1', [tenantId]);
  await dataSource.query('DELETE FROM consumer_offsets WHERE consumer = $1', [config.projection.groupId]);
  await dataSource.destroy();
});
beforeEach(() => {
  partition += 1;
});

/** The conversation of the current test (one per test, on its own partition). */
let conv: ConversationRef;

/** The chunk of `events` at offsets start, start + 1, ... of this test's partition. */
function chunk(start: number, ...events: ConversationEvent[]): ChunkInput {
  return {
    partition,
    records: events.map((event, i) => ({ offset: start + i, record: { kind: 'event', event } })),
    poison: [],
    startOffset: start,
    endOffset: start + events.length,
  };
}

const appended = (seq: number, text = `m${seq}`) => appendedEvent(conv, seq, text, null);

async function storedNextOffset(): Promise<number> {
  const [row] = await dataSource.query<Array<{ next_offset: string }>>(
    'SELECT next_offset FROM consumer_offsets WHERE consumer = $1 AND partition = $2',
    [config.projection.groupId, partition],
  );
  return Number(row.next_offset);
}

async function conversation(id = conv.conversationId) {
  const [row] = await dataSource.query<Array<Record<string, string>>>(
    'SELECT last_seq, contiguous_seq, message_count FROM conversations WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return { lastSeq: Number(row.last_seq), contiguous: Number(row.contiguous_seq), count: Number(row.message_count) };
}

async function participantIds(id = conv.conversationId): Promise<string[]> {
  const rows = await dataSource.query<Array<{ participant_id: string }>>(
    'SELECT participant_id FROM conversation_participants WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY 1',
    [tenantId, id],
  );
  return rows.map((row) => row.participant_id);
}

describe('ProjectionWriter', () => {
  let transactions: jest.SpyInstance;
  beforeEach(() => {
    conv = { tenantId, conversationId: `c${partition}` };
    transactions = jest.spyOn(dataSource, 'transaction');
  });
  afterEach(() => transactions.mockRestore());

  it('writes a chunk that starts where its last one ended without the locking transaction, with the same rows', async () => {
    const writer = new ProjectionWriter(dataSource, config);
    await writer.write(chunk(0, createdEvent(conv), appended(1), appended(2)));
    expect(transactions).toHaveBeenCalledTimes(1);

    const outcome = await writer.write(chunk(3, appended(3), appended(4)));

    expect(transactions).toHaveBeenCalledTimes(1);
    expect(outcome).toMatchObject({ nextOffset: 5, replayed: 0, applied: new Map([['message.appended', 2]]) });
    expect(await storedNextOffset()).toBe(5);
    expect(await conversation()).toEqual({ lastSeq: 4, contiguous: 4, count: 4 });
  });

  it('leaves a position another instance moved alone: the stale claim writes nothing and the locked write finds the chunk written', async () => {
    const writer = new ProjectionWriter(dataSource, config);
    const other = new ProjectionWriter(dataSource, config);
    await writer.write(chunk(0, createdEvent(conv), appended(1)));
    await other.write(
      chunk(2, appended(2), participantsSetEvent(conv, [{ id: 'bob', kind: 'user' }]), appended(3), appended(4)),
    );

    const outcome = await writer.write(
      chunk(2, appended(2), participantsSetEvent(conv, [{ id: 'alice', kind: 'user' }])),
    );

    expect(outcome).toMatchObject({ nextOffset: 6, applied: new Map() });
    expect(await storedNextOffset()).toBe(6);
    expect(await participantIds()).toEqual(['bob']);
    expect(await conversation()).toEqual({ lastSeq: 4, contiguous: 4, count: 4 });
  });

  it('rolls the whole pipelined chunk back when Postgres refuses a statement, with that statement’s error, and locks next time', async () => {
    const writer = new ProjectionWriter(dataSource, config);
    await writer.write(chunk(0, createdEvent(conv), appended(1)));

    const refused = writer.write(
      chunk(2, participantsSetEvent(conv, [{ id: 'alice', kind: 'user' }]), appended(2, 'nul \u0000 in text')),
    );

    await expect(refused).rejects.toMatchObject({ code: '22P05' });
    expect(isDataError(await refused.catch((error: unknown) => error))).toBe(true);
    expect(await storedNextOffset()).toBe(2);
    expect(await participantIds()).toEqual([]);
    expect(await conversation()).toEqual({ lastSeq: 1, contiguous: 1, count: 1 });

    transactions.mockClear();
    await writer.write(chunk(2, appended(2)));
    expect(transactions).toHaveBeenCalledTimes(1);
    expect(await conversation()).toEqual({ lastSeq: 2, contiguous: 2, count: 2 });
  });
});
