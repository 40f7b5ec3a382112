import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { ConversationRef, encodeEvent } from '@threadline/contracts';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { appendedEvent, createdEvent, legacyEventValue } from '../support/event-builder';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort, isolatedEnv, TEST_KAFKA_BROKERS } from '../support/test-env';
import { readTopic } from '../support/topic-reader';
import { archiveDir, archiverProcess, db, openReader, readSegment, removeArchiveDirs } from '../archiver/support';

/*
 * Tenants through the data path: events of two tenants with the same conversation
 * id, produced straight to an isolated topic, stay two conversations in the
 * projection and in the archive; a version-1 event projects as the default
 * tenant's. Through the command (AUTH_MODE=none, so the default tenant), an append
 * records the caller's subject as its actor, whatever the body says.
 */

const kafka = new Kafka({
  clientId: 'tenancy-e2e',
  brokers: TEST_KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
let producer: Producer;
const started: ServiceProcess[] = [];

beforeAll(async () => {
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  await Promise.all([producer.disconnect(), db.end()]);
  removeArchiveDirs();
});

interface MessageSqlRow {
  tenant_id: string;
  seq: string;
  actor: string | null;
  text: string;
}

async function messagesOf(conversationId: string): Promise<MessageSqlRow[]> {
  const { rows } = await db.query<MessageSqlRow>(
    `SELECT tenant_id, seq, actor, parts->0->>'text' AS text FROM messages
     WHERE conversation_id = $1 ORDER BY tenant_id, seq`,
    [conversationId],
  );
  return rows;
}

describe('two tenants with the same conversation id, straight through the topic', () => {
  const env = isolatedEnv('tenancy');
  const id = `demo-${randomUUID()}`;
  const acme: ConversationRef = { tenantId: 'acme', conversationId: id };
  const dir = archiveDir('tenancy');

  beforeAll(async () => {
    const port = allocatePort();
    const projector = new ServiceProcess('projector', `tenancy-projector-${env.KAFKA_TOPIC}`, port, {
      ...env,
      PROJECTOR_PORT: String(port),
    });
    const archiver = archiverProcess('tenancy-archiver', env, dir, { ARCHIVE_RETENTION_ENABLED: 'false' });
    started.push(projector, archiver);
    await projector.start();
    await archiver.start();
    await producer.send({
      topic: env.KAFKA_TOPIC,
      acks: -1,
      messages: [
        encodeEvent(createdEvent(acme, { owner: 'acme' })),
        encodeEvent(createdEvent(id, { owner: 'default' })),
        encodeEvent(appendedEvent(acme, 1, 'acme one', null, null, undefined, 'agent:planner')),
        encodeEvent(appendedEvent(id, 1, 'default one', null)),
        encodeEvent(appendedEvent(acme, 2, 'acme two', null, null, undefined, 'agent:planner')),
      ],
    });
    await eventually('both conversations projected', async () => (await messagesOf(id)).length === 3);
  });

  it('projects them as two conversations, each with its own seqs, metadata and actors', async () => {
    const { rows } = await db.query<{ tenant_id: string; last_seq: string; metadata: unknown }>(
      'SELECT tenant_id, last_seq, metadata FROM conversations WHERE id = $1 ORDER BY tenant_id',
      [id],
    );
    expect(rows).toEqual([
      { tenant_id: 'acme', last_seq: '2', metadata: { owner: 'acme' } },
      { tenant_id: 'default', last_seq: '1', metadata: { owner: 'default' } },
    ]);
    expect(await messagesOf(id)).toEqual([
      { tenant_id: 'acme', seq: '1', actor: 'agent:planner', text: 'acme one' },
      { tenant_id: 'acme', seq: '2', actor: 'agent:planner', text: 'acme two' },
      { tenant_id: 'default', seq: '1', actor: 'service:anonymous', text: 'default one' },
    ]);
  });

  it('archives each tenant into segments of its own and replays a conversation only from its tenant', async () => {
    const index = await eventually('both tenants indexed', async () => {
      const { rows } = await db.query<{ tenant_id: string; segment_key: string }>(
        'SELECT tenant_id, segment_key FROM archive_index WHERE conversation_id = $1 ORDER BY tenant_id',
        [id],
      );
      return new Set(rows.map((r) => r.tenant_id)).size === 2 && rows;
    });
    for (const row of index) {
      expect(row.segment_key.startsWith(`segments/${row.tenant_id}/${env.KAFKA_TOPIC}/`)).toBe(true);
      const lines = await readSegment(dir, row.segment_key);
      expect(lines.every((line) => line.event.tenant_id === row.tenant_id)).toBe(true);
    }
    const { reader, close } = await openReader(dir);
    try {
      const texts = async (ref: ConversationRef) =>
        (await reader.readRange(ref, 1, 10, 10)).map((m) => [m.seq, (m.parts?.[0] as { text: string }).text, m.actor]);
      expect(await texts(acme)).toEqual([
        [1, 'acme one', 'agent:planner'],
        [2, 'acme two', 'agent:planner'],
      ]);
      expect(await texts({ tenantId: 'default', conversationId: id })).toEqual([
        [1, 'default one', 'service:anonymous'],
      ]);
      expect(await reader.readRange({ tenantId: 'globex', conversationId: id }, 1, 10, 10)).toEqual([]);
    } finally {
      await close();
    }
  });

  it('projects a version-1 event (no tenant, no actor) as the default tenant, with no actor', async () => {
    const legacy = `legacy-${randomUUID()}`;
    await producer.send({
      topic: env.KAFKA_TOPIC,
      acks: -1,
      messages: [
        { key: legacy, value: legacyEventValue(createdEvent(legacy)) },
        { key: legacy, value: legacyEventValue(appendedEvent(legacy, 1, 'from before tenants', null)) },
      ],
    });
    await eventually('the legacy append projected', async () => (await messagesOf(legacy)).length === 1);
    expect(await messagesOf(legacy)).toEqual([
      { tenant_id: 'default', seq: '1', actor: null, text: 'from before tenants' },
    ]);
  });
});

describe('the actor of an append through the command (AUTH_MODE=none)', () => {
  const stack = new CommandStack('tenancy-cmd');

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.stop());

  it('is the anonymous subject: recorded on the event and shown by every read; a body actor cannot spoof it', async () => {
    const id = `actor-${randomUUID()}`;
    expect((await api(stack.baseUrl, 'PUT', `/v1/conversations/${id}`, { metadata: {} })).status).toBe(200);
    const appended = await api(stack.baseUrl, 'POST', `/v1/conversations/${id}/messages`, {
      message: textMessage('who am I'),
      actor: 'user:mallory',
    });
    expect(appended.status).toBe(201);

    const replay = await api<{ messages: Array<{ seq: number; actor: string | null }> }>(
      stack.baseUrl,
      'GET',
      `/v1/conversations/${id}/messages?from=1`,
    );
    expect(replay.body.messages).toEqual([expect.objectContaining({ seq: 1, actor: 'service:anonymous' })]);
    const tail = await api<{ messages: Array<{ seq: number; actor: string | null }> }>(
      stack.baseUrl,
      'GET',
      `/v1/conversations/${id}/tail`,
    );
    expect(tail.body.messages).toEqual([expect.objectContaining({ seq: 1, actor: 'service:anonymous' })]);

    const events = (await readTopic(stack.env.KAFKA_TOPIC)).filter((r) => r.event.conversation_id === id);
    expect(events.map((r) => r.event)).toContainEqual(
      expect.objectContaining({
        type: 'message.appended',
        tenant_id: 'default',
        data: expect.objectContaining({ actor: 'service:anonymous' }) as unknown,
      }),
    );
  });
});
