import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { SecretBox, newSigningSecret } from '@threadline/auth';
import { ConversationEvent } from '@threadline/contracts';
import { dataSourceOptions, runStatement, Statement } from '@threadline/persistence';
import {
  appendedEvent,
  createdWithParticipants,
  deletedEvent,
  participantsSetEvent,
  tombstonedEvent,
} from '../../../../test/support/event-builder';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';
import { dispatcherConfigSchema } from '../config/dispatcher.config';
import { ClaimedSqlRow, lockDue } from '../delivery/delivery-statements';
import { IngestRecord } from './ingest-plan';
import { LIST_SET_MARKER } from './ingest-statements';
import { IngestWriter } from './ingest-writer';

/** IngestWriter against the local stack's Postgres (threadline_test, migrated by the e2e setup or scripts/run). */
const run = randomBytes(4).toString('hex');
const tenantId = `ingest-${run}`;
const key = randomBytes(32).toString('base64');
const config = dispatcherConfigSchema.parse({
  AUTH_MODE: 'none',
  AGENT_SECRETS_KEY: key,
  DATABASE_URL: TEST_DATABASE_URL,
  DISPATCHER_GROUP_ID: `ingest-medium-${run}`,
  KAFKA_TOPIC: `ingest-medium-${run}`,
});
const dataSource = new DataSource(dataSourceOptions({ url: TEST_DATABASE_URL, poolSize: 2 }));
let writer: IngestWriter;
let partition = 0;
let offset = 0;

beforeAll(async () => {
  await dataSource.initialize();
  writer = new IngestWriter(dataSource, config);
  for (const [id, debounceMs] of [
    ['bot', 0],
    ['slow', 1000],
  ] as const) {
    await dataSource.query(
      `INSERT INTO agents (tenant_id, id, webhook_url, timeout_ms, max_attempts, history_mode, debounce_ms, status, signing_secret)
       VALUES ($1, $2, 'http://127.0.0.1:1/', 1000, 3, 'none', $3, 'enabled', $4)`,
      [tenantId, id, debounceMs, new SecretBox(key).seal(newSigningSecret())],
    );
  }
});
afterAll(async () => {
  for (const table of ['deliveries', 'dispatch_participants', 'dispatch_seqs', 'agents']) {
    await dataSource.query(`DELETE FROM ${table} WHERE tenant_id = $1`, [tenantId]);
  }
  await dataSource.query('DELETE FROM consumer_offsets WHERE consumer = $1', [config.ingest.groupId]);
  await dataSource.destroy();
});
beforeEach(() => {
  partition += 1;
  offset = 0;
});

const ref = (conversationId: string) => ({ tenantId, conversationId });

const created = (conversationId: string, agents: string[]) =>
  createdWithParticipants(
    ref(conversationId),
    agents.map((id) => ({ id, kind: 'agent' as const })),
  );

const message = (conversationId: string, seq: number, at: Date, actor = 'user:ada') =>
  appendedEvent(ref(conversationId), seq, `m${seq}`, null, null, at.toISOString(), actor);

/** Writes the events as the partition's next records. */
function write(...events: ConversationEvent[]) {
  const records: IngestRecord[] = events.map((event) => ({ offset: offset++, record: { kind: 'event', event } }));
  return writer.write({ partition, records, startOffset: records[0].offset, endOffset: offset });
}

async function deliveries(conversationId: string, agentId: string) {
  const rows = await dataSource.query<Array<{ first_seq: string; last_seq: string; messages: Array<{ seq: number }> }>>(
    'SELECT first_seq, last_seq, messages FROM deliveries WHERE tenant_id = $1 AND conversation_id = $2 AND agent_id = $3 ORDER BY first_seq',
    [tenantId, conversationId, agentId],
  );
  return rows.map((r) => r.messages.map((m) => m.seq));
}

const t0 = new Date('2026-01-01T00:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

it('makes one delivery per message for each registered agent participant that did not send it', async () => {
  await write(created('c1', ['bot', 'unregistered']), message('c1', 1, t0), message('c1', 2, t0, 'agent:bot'));
  expect(await deliveries('c1', 'bot')).toEqual([[1]]);
  expect(await deliveries('c1', 'unregistered')).toEqual([]);
});

it('extends the newest delivery within the debounce window, and starts a new one after it', async () => {
  await write(created('c2', ['slow']), message('c2', 1, t0), message('c2', 2, later(500)));
  await write(message('c2', 3, later(999)), message('c2', 4, later(1000)));
  expect(await deliveries('c2', 'slow')).toEqual([[1, 2, 3], [4]]);
});

it('never extends a delivery once an attempt was made of it', async () => {
  await write(created('c3', ['slow']), message('c3', 1, t0));
  await dataSource.query('UPDATE deliveries SET attempts = 1 WHERE tenant_id = $1 AND conversation_id = $2', [
    tenantId,
    'c3',
  ]);
  await write(message('c3', 2, later(10)));
  expect(await deliveries('c3', 'slow')).toEqual([[1], [2]]);
});

it('delivers nothing twice: a replayed chunk, or a second event for a seq', async () => {
  const events = [created('c4', ['bot']), message('c4', 1, t0)];
  await write(...events);
  offset = 0;
  expect((await write(...events)).delivered).toBe(0);
  expect((await write(message('c4', 1, later(5)))).delivered).toBe(0);
  expect(await deliveries('c4', 'bot')).toEqual([[1]]);
});

it('writes nothing for a chunk above the stored offset (Postgres lost commits): the consumer goes back', async () => {
  await write(created('c5', ['bot']));
  offset += 10;
  expect(await write(message('c5', 1, t0))).toEqual({ nextOffset: 1, behind: true, delivered: 0 });
  expect(await deliveries('c5', 'bot')).toEqual([]);
});

it('keeps a change when a create comes again after it (a retried PUT)', async () => {
  const set = participantsSetEvent(ref('c7'), []);
  await write(created('c7', ['bot']), set);
  await write(created('c7', ['bot']), message('c7', 1, t0));
  expect(await deliveries('c7', 'bot')).toEqual([]);
});

it("removes a deleted conversation's agent participants and seen seqs, keeping the seen seqs while a seq below its last is missing", async () => {
  const seenRows = async (conversationId: string) =>
    dataSource.query<Array<{ contiguous_seq: string }>>(
      'SELECT contiguous_seq FROM dispatch_seqs WHERE tenant_id = $1 AND conversation_id = $2',
      [tenantId, conversationId],
    );
  await write(created('gone-1', ['bot']), message('gone-1', 1, t0), message('gone-1', 2, t0));
  await write(deletedEvent(ref('gone-1'), 2));
  expect(await seenRows('gone-1')).toEqual([]);
  await write(created('gone-2', ['bot']), message('gone-2', 2, t0), deletedEvent(ref('gone-2'), 2));
  expect(await seenRows('gone-2')).toEqual([{ contiguous_seq: '0' }]);
  const agents = await dataSource.query<Array<{ agent_id: string }>>(
    'SELECT agent_id FROM dispatch_participants WHERE tenant_id = $1 AND conversation_id IN ($2, $3)',
    [tenantId, 'gone-1', 'gone-2'],
  );
  expect(agents.map((row) => row.agent_id)).toEqual([LIST_SET_MARKER, LIST_SET_MARKER]);
});

it('follows participants_set: an agent taken out gets nothing more', async () => {
  const set = participantsSetEvent(ref('c6'), []);
  await write(created('c6', ['bot']), message('c6', 1, t0), set, message('c6', 2, t0));
  expect(await deliveries('c6', 'bot')).toEqual([[1]]);
});

/**
 * lockDue narrowed to this spec's tenant: it locks due rows of every tenant with SKIP LOCKED, so two suites
 * claiming all tenants at once on one database would each skip the other's locked rows and miss their own.
 */
function lockOwnDue(): Statement {
  const all = lockDue([], 100_000);
  const sql = all.sql.replace('WHERE d.status', 'WHERE d.tenant_id = $3 AND d.status');
  if (sql === all.sql) {
    throw new Error('lockDue changed shape: narrow it to the tenant another way');
  }
  return { sql, params: [...all.params, tenantId] };
}

/** The conversation's deliveries the worker may claim now (as their seqs), once earlier ones are marked done. */
async function claimable(conversationId: string) {
  await dataSource.query(
    `UPDATE deliveries SET status = 'succeeded' WHERE tenant_id = $1 AND conversation_id = $2 AND first_seq < $3`,
    [tenantId, conversationId, 2],
  );
  const rows = await dataSource.transaction((tx) => runStatement<ClaimedSqlRow[]>(tx, lockOwnDue()));
  return rows
    .filter((r) => r.conversation_id === conversationId)
    .map((r) => (r.messages as Array<{ seq: number }>).map((m) => m.seq));
}

it('holds a delivery until every lower seq is seen, and puts a seq that arrives late in it, in order', async () => {
  await write(created('c8', ['bot']), message('c8', 1, t0), message('c8', 3, later(10)));
  expect(await claimable('c8')).toEqual([]);
  await write(message('c8', 2, later(20)));
  expect(await deliveries('c8', 'bot')).toEqual([[1], [2, 3]]);
  expect(await claimable('c8')).toEqual([[2, 3]]);
});

it('puts a late seq into the delivery waiting for it even after that delivery’s debounce window closed', async () => {
  await write(created('c11', ['slow']), message('c11', 1, t0), message('c11', 3, later(500)));
  await write(message('c11', 2, later(1500)));
  expect(await deliveries('c11', 'slow')).toEqual([[1, 2, 3]]);
});

it('releases a delivery once a tombstone settles the missing seq below it', async () => {
  await write(created('c9', ['bot']), message('c9', 1, t0), message('c9', 3, later(10)));
  expect(await claimable('c9')).toEqual([]);
  await write(tombstonedEvent(ref('c9'), 2));
  expect(await claimable('c9')).toEqual([[3]]);
});

it('delivers no message for a seq a tombstone settled first, even in a later chunk', async () => {
  await write(created('c10', ['bot']), tombstonedEvent(ref('c10'), 1));
  expect((await write(message('c10', 1, t0), message('c10', 2, t0))).delivered).toBe(1);
  expect(await deliveries('c10', 'bot')).toEqual([[2]]);
});

/** What the worker does, in short: claim what lockDue offers of the conversation, deliver it, mark it succeeded. */
async function deliverDue(conversationId: string, agentId: string): Promise<number[]> {
  const delivered: number[] = [];
  for (;;) {
    const due = await dataSource.transaction(async (tx) => {
      const rows = await runStatement<ClaimedSqlRow[]>(tx, lockOwnDue());
      const ours = rows.filter((r) => r.conversation_id === conversationId && r.agent_id === agentId);
      for (const row of ours) {
        await tx.query(`UPDATE deliveries SET status = 'succeeded', attempts = attempts + 1 WHERE id = $1`, [row.id]);
      }
      return ours;
    });
    if (due.length === 0) {
      return delivered;
    }
    delivered.push(...due.flatMap((r) => (r.messages as Array<{ seq: number }>).map((m) => m.seq)));
  }
}

it('delivers every seq whose first event is a message, once and in seq order, whatever order and chunks the events arrive in', async () => {
  type Arrival = { seq: number; kind: 'message' | 'tombstone' | 'own'; atMs: number };
  const arrivals = fc
    .integer({ min: 1, max: 10 })
    .chain((n) =>
      fc.tuple(
        fc.shuffledSubarray(
          [...Array.from({ length: n }, (_, i) => i + 1), ...Array.from({ length: n }, (_, i) => i + 1)],
          { minLength: 2 * n, maxLength: 2 * n },
        ),
        fc.array(fc.constantFrom<Arrival['kind']>('message', 'message', 'tombstone', 'own'), {
          minLength: 2 * n,
          maxLength: 2 * n,
        }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2 * n, maxLength: 2 * n }),
        // Milliseconds from one event's time to the next: within the slow agent's debounce window, or past it.
        fc.array(fc.constantFrom(10, 600), { minLength: 2 * n, maxLength: 2 * n }),
      ),
    )
    .map(([seqs, kinds, cuts, steps]) => ({
      // Each seq arrives twice (a retried produce, a settler's tombstone): the first one wins.
      events: seqs.map((seq, i): Arrival => ({
        seq,
        kind: kinds[i],
        atMs: steps.slice(0, i + 1).reduce((sum: number, ms) => sum + ms, 0),
      })),
      cuts,
    }));
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(arrivals, fc.constantFrom('bot', 'slow'), async ({ events, cuts }, agentId) => {
      partition += 1;
      offset = 0;
      const id = `order-${agentId}-${(runs += 1)}`;
      await write(created(id, [agentId]));
      const delivered: number[] = [];
      for (let at = 0, chunk = 0; at < events.length; chunk += 1) {
        const size = cuts[chunk];
        await write(
          ...events
            .slice(at, at + size)
            .map(({ seq, kind }, i) =>
              kind === 'tombstone'
                ? tombstonedEvent(ref(id), seq)
                : message(id, seq, later(10 * (at + i)), kind === 'own' ? `agent:${agentId}` : 'user:ada'),
            ),
        );
        at += size;
        delivered.push(...(await deliverDue(id, agentId)));
      }
      const firsts = new Map<number, Arrival['kind']>();
      for (const { seq, kind } of events) {
        if (!firsts.has(seq)) {
          firsts.set(seq, kind);
        }
      }
      const expected = [...firsts].filter(([, kind]) => kind === 'message').map(([seq]) => seq);
      expect(delivered).toEqual(expected.sort((a, b) => a - b));
    }),
    { numRuns: 40 },
  );
});
