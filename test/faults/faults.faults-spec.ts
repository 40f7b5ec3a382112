import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { ArchiveReader, dataSourceOptions, FilesystemObjectStore } from '@threadline/persistence';
import { api } from '../support/api-client';
import { eventually, sleep } from '../support/service-process';
import { check, summaryLine } from './support/checker';
import { FaultStack } from './support/fault-stack';
import { LoadGenerator } from './support/load-generator';
import { readHeads, settle } from './support/settle';
import { Subscriber } from './support/subscribers';
import { archiveView, postgresView, replayView, seenFrame } from './support/views';

/**
 * Fault injection: writers keep appending and subscribers keep reading while one
 * component at a time is killed or restarted; then the acknowledged writes are
 * compared with Postgres, replay reads, the archive and every subscriber.
 * Every server here is the suite's own (see support/fault-stack.ts).
 */

const CONVERSATIONS = 8;
const WRITERS = 4;
/** Load before the fault, and after it once appends are acknowledged again. */
const LOAD_WINDOW_MS = 5000;
/** A scenario waits for recovery and settling with its own bounds; this only stops a hung one. */
const SCENARIO_TIMEOUT_MS = 600_000;

let stack: FaultStack;
let db: Pool;
let archive: DataSource;
let reader: ArchiveReader;
const summary: string[] = [];

beforeAll(async () => {
  stack = await FaultStack.create();
  await stack.start();
  db = new Pool({ connectionString: stack.postgres.url, max: 2 });
  db.on('error', () => undefined);
  archive = new DataSource(dataSourceOptions({ url: stack.postgres.url, poolSize: 2 }));
  await archive.initialize();
  reader = new ArchiveReader(archive, new FilesystemObjectStore(stack.archiveDir));
}, 600_000);

afterAll(async () => {
  process.stdout.write(`\n${summary.join('\n')}\n`);
  await Promise.allSettled([db?.end(), archive?.destroy()]);
  await stack?.stop();
}, 180_000);

/** Waits until the writers got `count` more 201s than now: the system takes appends again. */
async function moreAcks(load: LoadGenerator, count = 20): Promise<void> {
  const target = load.acked + count;
  await eventually(`${count} more acknowledged appends`, async () => load.acked >= target, 180_000, 200);
}

async function runScenario(name: string, inject: (load: LoadGenerator) => Promise<void>): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const ids = Array.from({ length: CONVERSATIONS }, (_, i) => `${name}-${run}-${i}`);
  for (const id of ids) {
    await eventually(`conversation ${id} created`, async () => {
      const res = await api(stack.commandUrls[0], 'PUT', `/v1/conversations/${id}`, {});
      return res.status === 200;
    });
  }
  const subscribers = ids.flatMap((id, i) => [
    new Subscriber('ws', id, stack.realtimeUrls, i),
    new Subscriber('sse', id, stack.realtimeUrls, i + 1),
  ]);
  const load = new LoadGenerator(stack.commandUrls, ids, `${name}-${run}`, WRITERS);
  load.start();
  let heads: Map<string, number>;
  let notes: string[];
  try {
    await moreAcks(load);
    await sleep(LOAD_WINDOW_MS);
    await inject(load);
    await moreAcks(load);
    await sleep(LOAD_WINDOW_MS);
    await load.stop();
    heads = await readHeads(stack.commandUrls, ids);
    notes = await settle(stack.commandUrls, db, heads, subscribers);
  } finally {
    await load.stop();
    await Promise.all(subscribers.map((s) => s.stop()));
  }
  const result = check({
    heads,
    writes: load.outcomes,
    views: [await postgresView(db, ids), await replayView(stack.commandUrls[1], ids), await archiveView(reader, heads)],
    subscribers: subscribers.map((s) => ({
      name: s.name,
      conversationId: s.conversationId,
      frames: s.frames.map(seenFrame),
    })),
  });
  result.violations.push(...load.unexpected.map((u) => `unexpected answer: ${u}`));
  const answers = [...load.answers].map(([status, n]) => `${status}:${n}`).join(' ');
  const connections = subscribers.reduce((sum, s) => sum + s.connections, 0);
  const line = summaryLine(
    name,
    result,
    `unexpected-answers=${load.unexpected.length}; answers ${answers}; stream connections ${connections}`,
  );
  const shown = [...notes, ...result.violations].slice(0, 20).map((v) => `  ${name}: ${v}`);
  summary.push(line, ...shown);
  process.stdout.write(`${[line, ...shown].join('\n')}\n`);
  expect({ notes, violations: result.violations.slice(0, 40), total: result.violations.length }).toEqual({
    notes: [],
    violations: [],
    total: 0,
  });
}

describe('under continuous appends and live subscribers, no acknowledged message is lost, duplicated or reordered anywhere', () => {
  it(
    'when the Kafka broker is SIGKILLed and restarted',
    () =>
      runScenario('kafka-kill', async () => {
        await stack.kafka.kill();
        await sleep(2000);
        await stack.kafka.start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when Redis is restarted empty, and later flushed',
    () =>
      runScenario('redis-loss', async (load) => {
        await stack.redis.kill();
        await stack.redis.start();
        await moreAcks(load);
        await stack.redis.flushAll();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when a command instance is SIGKILLed and the writers fail over to the other',
    () =>
      runScenario('command-kill', async (load) => {
        await stack.commands[0].kill();
        await moreAcks(load);
        await sleep(LOAD_WINDOW_MS);
        await stack.commands[0].start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when the projector is SIGKILLed and restarted',
    () =>
      runScenario('projector-kill', async () => {
        await stack.projector.kill();
        await sleep(2000);
        await stack.projector.start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when a realtime instance is SIGKILLed and its subscribers resume on the other',
    () =>
      runScenario('realtime-kill', async () => {
        await stack.realtimes[0].kill();
        await sleep(LOAD_WINDOW_MS);
        await stack.realtimes[0].start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when the archiver is SIGKILLed and restarted',
    () =>
      runScenario('archiver-kill', async () => {
        await stack.archiver.kill();
        await sleep(2000);
        await stack.archiver.start();
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when a buggy producer writes poison records straight to the topic, keyed like the conversations under load',
    () =>
      runScenario('poison', async (load) => {
        const keys = load.conversationIds;
        const strayId = `poison-stray-${randomBytes(3).toString('hex')}`;
        const event = (seq: number, escapedText: string) =>
          `{"schema_version":1,"event_id":"${randomUUID()}","conversation_id":"${strayId}",` +
          `"occurred_at":"${new Date().toISOString()}","type":"message.appended","seq":${seq},"data":{"version":${seq},` +
          `"message":{"role":"user","parts":[{"type":"text","text":"${escapedText}"}]},"producer_id":null,"producer_seq":null}}`;
        const poison = ['not json at all', event(1, 'a NUL \\u0000'), event(2, 'a lone \\ud800')];
        await stack.produceRaw(poison.flatMap((value) => keys.map((key) => ({ key, value }))));
        await moreAcks(load);
        const stray = await eventually('the stray conversation settled by quarantined tombstones', async () => {
          const res = await api(stack.commandUrls[0], 'GET', `/v1/conversations/${strayId}/messages?from=1`);
          const messages = res.body.messages as { seq: number; reason?: string }[] | undefined;
          return messages?.length === 2 && messages;
        });
        expect(stray.map((m) => [m.seq, m.reason])).toEqual([
          [1, 'quarantined'],
          [2, 'quarantined'],
        ]);
        for (const service of [stack.projector, ...stack.realtimes, stack.archiver]) {
          expect((await fetch(`${service.baseUrl}/health/ready`)).status).toBe(200);
        }
      }),
    SCENARIO_TIMEOUT_MS,
  );

  it(
    'when Postgres is restarted',
    () =>
      runScenario('postgres-restart', async () => {
        await stack.postgres.restart();
      }),
    SCENARIO_TIMEOUT_MS,
  );
});
