import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { messageContentHash } from '@threadline/contracts';
import { dataSourceOptions, MIGRATIONS } from '../../libs/persistence/src';
import { TEST_DATABASE_URL } from '../support/test-env';

/** A database of its own: the migrations run against rows written under the schema before them. */
const name = `threadline_migration_${randomBytes(4).toString('hex')}`;
const serverUrl = new URL(TEST_DATABASE_URL);
const databaseUrl = Object.assign(new URL(TEST_DATABASE_URL), { pathname: `/${name}` }).toString();
const BEFORE = MIGRATIONS.findIndex((m) => m.name.startsWith('ContiguousWatermark'));

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: Object.assign(serverUrl, { pathname: '/postgres' }).toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function migrate(migrations: typeof MIGRATIONS): Promise<void> {
  const dataSource = new DataSource({ ...dataSourceOptions({ url: databaseUrl, poolSize: 2 }), migrations });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

const db = new Client({ connectionString: databaseUrl });

beforeAll(async () => {
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  await migrate(MIGRATIONS.slice(0, BEFORE));
  await db.connect();
});
afterAll(async () => {
  await db.end();
  await admin((client) => client.query(`DROP DATABASE ${name}`));
});

/** Conversations as they stand before the migrations: [id, last_seq, archived_seq, seqs with a row]. */
const CONVERSATIONS: Array<[string, number, number, number[]]> = [
  ['complete', 5, 0, [1, 2, 3, 4, 5]],
  ['hole-at-3', 5, 0, [1, 2, 4, 5]],
  ['trimmed-then-hole', 7, 3, [4, 5, 7]],
  ['empty', 0, 0, []],
  ['all-trimmed', 4, 4, []],
  ['hole-above-archive', 4, 2, [1, 2, 4]],
];

it('backfills the contiguous watermark, open holes and the producer pairs of existing rows', async () => {
  for (const [id, lastSeq, archivedSeq, seqs] of CONVERSATIONS) {
    await db.query(
      `INSERT INTO conversations (id, last_seq, archived_seq, created_at, updated_at) VALUES ($1, $2, $3, now(), now())`,
      [id, lastSeq, archivedSeq],
    );
    for (const seq of seqs) {
      const producer = seq % 2 === 1 ? 'worker' : null;
      await db.query(
        `INSERT INTO messages (conversation_id, seq, kind, version, role, parts, metadata, token_count, producer_id,
                               producer_seq, event_id, inserted_at, kafka_partition, kafka_offset)
         VALUES ($1, $2, 'message', $2, 'user', $3, $4, $5, $6, $7, gen_random_uuid(), now(), 0, $2)`,
        [
          id,
          seq,
          JSON.stringify([{ type: 'text', text: `${id} ${seq}` }]),
          seq === 5 ? JSON.stringify({ b: 1, a: [2] }) : '{}',
          seq === 3 ? null : seq * 10,
          producer,
          producer && seq,
        ],
      );
    }
  }

  await migrate(MIGRATIONS);

  const { rows } = await db.query<{ id: string; contiguous_seq: string; hole: boolean; hole_last_seq: string | null }>(
    'SELECT id, contiguous_seq, hole_since IS NOT NULL AS hole, hole_last_seq FROM conversations ORDER BY id',
  );
  expect(
    Object.fromEntries(
      rows.map((r) => [
        r.id,
        [Number(r.contiguous_seq), r.hole, r.hole_last_seq === null ? null : Number(r.hole_last_seq)],
      ]),
    ),
  ).toEqual({
    complete: [5, false, null],
    'hole-at-3': [2, true, 5],
    'trimmed-then-hole': [5, true, 7],
    empty: [0, false, null],
    'all-trimmed': [4, false, null],
    'hole-above-archive': [2, true, 4],
  });

  const { rows: pairs } = await db.query<{
    conversation_id: string;
    producer_seq: string;
    seq: string;
    content_hash: string;
  }>('SELECT conversation_id, producer_seq, seq, content_hash FROM producer_pairs ORDER BY conversation_id, seq');
  const expected = CONVERSATIONS.flatMap(([id, , , seqs]) =>
    seqs
      .filter((seq) => seq % 2 === 1)
      .map((seq) => ({
        conversation_id: id,
        producer_seq: String(seq),
        seq: String(seq),
        content_hash: messageContentHash({
          role: 'user',
          parts: [{ type: 'text', text: `${id} ${seq}` }],
          metadata: seq === 5 ? { a: [2], b: 1 } : {},
          ...(seq === 3 ? {} : { token_count: seq * 10 }),
        }),
      })),
  ).sort((a, b) =>
    a.conversation_id < b.conversation_id
      ? -1
      : a.conversation_id > b.conversation_id
        ? 1
        : Number(a.seq) - Number(b.seq),
  );
  expect(pairs).toEqual(expected);
});
