import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { ConversationEvent } from '@threadline/contracts';
import { compressSegment, encodeLine } from '../../libs/persistence/src';
import { api, textMessage } from '../support/api-client';
import * as build from '../support/event-builder';
import { kafkaMessage } from '../support/event-builder';
import { CommandStack } from '../support/command-stack';
import { eventually, ServiceProcess } from '../support/service-process';
import { isolatedEnv, TEST_KAFKA_BROKERS } from '../support/test-env';
import { readTopic } from '../support/topic-reader';
import {
  archivedOffsets,
  archiverProcessOn,
  conversationState,
  db,
  metricValue,
  openReader,
  readObject,
  readSegment,
  segments,
  StoreUnderTest,
} from './support';

/**
 * The archiver scenarios every backend must pass, run by archiver.e2e-spec.ts
 * (filesystem) and archiver-s3.e2e-spec.ts (S3).
 */

/** The processes a test file started, stopped in its afterAll. */
export class Started {
  private readonly processes: ServiceProcess[] = [];
  private readonly stacks: CommandStack[] = [];

  track<T extends ServiceProcess>(process: T): T {
    this.processes.push(process);
    return process;
  }

  async stack(label: string): Promise<CommandStack> {
    const stack = new CommandStack(label);
    this.stacks.push(stack);
    await stack.start();
    return stack;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
    await Promise.all(this.stacks.map((s) => s.stop()));
  }
}

export interface Acked {
  seq: number;
  text: string;
  tokenCount: number;
}

/** `perConversation` appends to each conversation, conversations in parallel; returns what was acknowledged. */
export async function appendAll(
  baseUrl: string,
  ids: string[],
  perConversation: number,
): Promise<Map<string, Acked[]>> {
  const acked = new Map<string, Acked[]>();
  await Promise.all(
    ids.map(async (id) => {
      expect((await api(baseUrl, 'PUT', `/v1/conversations/${id}`, { metadata: { id } })).status).toBe(200);
      const list: Acked[] = [];
      for (let n = 0; n < perConversation; n += 1) {
        const text = `${id} message ${n} ${'x'.repeat(n % 50)}`;
        const res = await api(baseUrl, 'POST', `/v1/conversations/${id}/messages`, { message: textMessage(text) });
        expect(res.status).toBe(201);
        list.push({ seq: res.body.seq as number, text, tokenCount: res.body.token_count as number });
      }
      acked.set(id, list);
    }),
  );
  return acked;
}

/** Archive 20 conversations x 100 seqs; retention keeps the newest 10 in Postgres; every seq stays readable. */
export async function archivesAndKeepsEverySeqReadable(started: Started, label: string, target: StoreUnderTest) {
  const stack = await started.stack(`${label}-retain`);
  const archiver = started.track(
    archiverProcessOn(`${label}-retain`, stack.env, target.env, {
      ARCHIVE_SEGMENT_MAX_BYTES: '65536',
      ARCHIVE_RETAIN_MESSAGES: '10',
      ARCHIVE_RETENTION_INTERVAL_MS: '300',
    }),
  );
  await archiver.start();

  const ids = Array.from({ length: 20 }, (_, i) => `arch-${randomUUID()}-${i}`);
  const acked = await appendAll(stack.baseUrl, ids, 100);

  const state = await eventually(
    'every conversation archived to its last seq and trimmed to the newest 10',
    async () => {
      const rows = await conversationState(ids);
      return rows.length === ids.length &&
        rows.every((r) => r.lastSeq === 100 && r.archivedSeq === 100 && r.rows === 10)
        ? rows
        : null;
    },
    90_000,
    250,
  );
  expect(state).toHaveLength(20);
  const { rows: kept } = await db.query<{ conversation_id: string; min: string; max: string }>(
    'SELECT conversation_id, min(seq), max(seq) FROM messages WHERE conversation_id = ANY($1) GROUP BY 1',
    [ids],
  );
  expect(kept.every((r) => Number(r.min) === 91 && Number(r.max) === 100)).toBe(true);

  const { reader, close } = await openReader(target.store);
  try {
    for (const id of ids) {
      const archived = await reader.readRange({ tenantId: 'default', conversationId: id }, 1, 100, 1000);
      expect(archived.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      const expected = acked.get(id)!.sort((a, b) => a.seq - b.seq);
      expect(
        archived.map((m) => ({ seq: m.seq, kind: m.kind, role: m.role, parts: m.parts, tokenCount: m.tokenCount })),
      ).toEqual(
        expected.map((a) => ({
          seq: a.seq,
          kind: 'message',
          role: 'user',
          parts: [{ type: 'text', text: a.text }],
          tokenCount: a.tokenCount,
        })),
      );
      expect(
        (await reader.readRange({ tenantId: 'default', conversationId: id }, 40, 60, 5)).map((m) => m.seq),
      ).toEqual([40, 41, 42, 43, 44]);
    }
  } finally {
    await close();
  }

  const indexed = await segments(stack.env.KAFKA_TOPIC);
  expect(indexed.length).toBeGreaterThan(4);
  expect(indexed.every((s) => s.segment_key.endsWith('.ndjson.gz'))).toBe(true);
  await archiver.stop();
}

/** A message.appended event as the command service produces it. */
export function appendedEvent(id: string, seq: number): ConversationEvent {
  return build.appendedEvent(id, seq, `${id}:${seq}`, null);
}

/** Waits until the archiver's stored offsets of `env`'s topic reach `ends` (partition → end offset). */
export async function untilArchivedTo(env: Record<string, string>, ends: Map<number, number>): Promise<void> {
  await eventually(
    'the stored offsets reach the topic end',
    async () => {
      const stored = await archivedOffsets(env.ARCHIVER_GROUP_ID, env.KAFKA_TOPIC);
      return [...ends].every(([p, end]) => stored.get(p) === end);
    },
    60_000,
    200,
  );
}

/** A producer straight to the test's Kafka; disconnect it when done. */
export async function connectProducer(): Promise<Producer> {
  const kafka = new Kafka({
    clientId: 'archiver-e2e',
    brokers: TEST_KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

/** The end offset of every partition of the topic that has records. */
export async function topicEnds(topic: string): Promise<Map<number, number>> {
  const ends = new Map<number, number>();
  for (const r of await readTopic(topic)) {
    ends.set(r.partition, Math.max(ends.get(r.partition) ?? 0, r.offset + 1));
  }
  return ends;
}

/** Events produced straight to the topic while the archiver is SIGKILLed mid-segment and restarted. */
export async function survivesSigkillMidSegment(started: Started, label: string, target: StoreUnderTest) {
  const env = isolatedEnv(`${label}-kill`);
  const settings = { ARCHIVE_SEGMENT_MAX_BYTES: '16384', ARCHIVE_SEGMENT_MAX_AGE_MS: '200' };
  const first = started.track(archiverProcessOn(`${label}-kill-1`, env, target.env, settings));
  await first.start();

  const producer = await connectProducer();
  const ids = Array.from({ length: 40 }, (_, i) => `kill-${randomUUID()}-${i}`);
  const seqs = 150;
  let produced = 0;
  // Paced, so that events keep arriving before, during and after the kill: the load under test.
  const producing = (async () => {
    for (let seq = 1; seq <= seqs; seq += 1) {
      await producer.send({ topic: env.KAFKA_TOPIC, messages: ids.map((id) => kafkaMessage(appendedEvent(id, seq))) });
      produced = seq;
      await sleep(15);
    }
  })();

  await eventually('a few segments indexed', async () => (await segments(env.KAFKA_TOPIC)).length >= 5, 60_000, 20);
  await first.kill();
  const producedAtKill = produced;
  await eventually(
    'events produced while no archiver runs',
    async () => produced >= Math.min(seqs, producedAtKill + 10),
  );
  const second = started.track(archiverProcessOn(`${label}-kill-2`, env, target.env, settings));
  await second.start();
  await producing;
  await producer.disconnect();

  const records = await readTopic(env.KAFKA_TOPIC);
  expect(records).toHaveLength(ids.length * seqs);
  const ends = new Map<number, number>();
  for (const r of records) {
    ends.set(r.partition, Math.max(ends.get(r.partition) ?? 0, r.offset + 1));
  }
  await untilArchivedTo(env, ends);

  // The index covers every offset of every partition exactly once, with contiguous ranges.
  const indexed = await segments(env.KAFKA_TOPIC);
  for (const [partition, end] of ends) {
    let next = 0;
    for (const s of indexed.filter((x) => x.partition === partition)) {
      expect(s.first_offset).toBe(next);
      next = s.last_offset + 1;
    }
    expect(next).toBe(end);
  }
  // Every indexed object is complete (decompresses, the lines its row says) and no key names a temp file.
  const seen = new Set<string>();
  for (const s of indexed) {
    expect(s.segment_key).toMatch(/^segments\/.+\/\d+\/\d{20}-\d{20}\.ndjson\.gz$/);
    const lines = await readSegment(target.store, s.segment_key);
    expect(lines).toHaveLength(s.line_count);
    for (const line of lines) {
      expect(line.partition).toBe(s.partition);
      expect(line.offset).toBeGreaterThanOrEqual(s.first_offset);
      expect(line.offset).toBeLessThanOrEqual(s.last_offset);
      const key = `${line.partition}:${line.offset}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  }
  expect(seen.size).toBe(records.length);
  // Deterministic: each object is byte for byte what re-archiving its offset range from the topic gives.
  for (const s of indexed) {
    const range = records.filter(
      (r) => r.partition === s.partition && r.offset >= s.first_offset && r.offset <= s.last_offset,
    );
    const rebuilt = compressSegment(range.map((r) => encodeLine(r)));
    expect((await readObject(target.store, s.segment_key)).equals(rebuilt)).toBe(true);
  }
  const { rows: tmpRefs } = await db.query(
    `SELECT 1 FROM archive_index WHERE segment_key LIKE '%.tmp' UNION ALL
     SELECT 1 FROM archive_segments WHERE segment_key LIKE '%.tmp'`,
  );
  expect(tmpRefs).toHaveLength(0);

  // Every seq of every conversation is readable from the archive, once.
  const { reader, close } = await openReader(target.store);
  try {
    for (const id of ids.slice(0, 5)) {
      const archived = await reader.readRange({ tenantId: 'default', conversationId: id }, 1, seqs, 1000);
      expect(archived.map((m) => m.seq)).toEqual(Array.from({ length: seqs }, (_, i) => i + 1));
      expect(
        archived.every((m) => JSON.stringify(m.parts) === JSON.stringify([{ type: 'text', text: `${id}:${m.seq}` }])),
      ).toBe(true);
    }
  } finally {
    await close();
  }
}

/** Every seq 1..30 of each conversation, read from the archive through the index. */
export async function everySeqReadable(target: StoreUnderTest, ids: string[]): Promise<void> {
  const { reader, close } = await openReader(target.store);
  try {
    for (const id of ids) {
      expect(
        (await reader.readRange({ tenantId: 'default', conversationId: id }, 1, 30, 100)).map((m) => m.seq),
      ).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
  } finally {
    await close();
  }
}

/** How a test makes its store unreachable and brings it back. */
export interface StoreOutage {
  begin(): void | Promise<void>;
  end(): void | Promise<void>;
}

/**
 * 3 conversations of 30 messages archived; then, with the store unreachable, a
 * new archiver is not ready and its retention runs delete nothing; once the
 * store answers again the same process trims to the newest 5, and every seq
 * stays readable from the archive.
 */
export async function retentionWaitsForTheStore(
  started: Started,
  label: string,
  target: StoreUnderTest,
  outage: StoreOutage,
): Promise<void> {
  const stack = await started.stack(`${label}-down`);
  const first = started.track(
    archiverProcessOn(`${label}-down-1`, stack.env, target.env, { ARCHIVE_RETAIN_MESSAGES: '5' }),
  );
  await first.start();
  const ids = Array.from({ length: 3 }, (_, i) => `${label}-down-${randomUUID()}-${i}`);
  await appendAll(stack.baseUrl, ids, 30);
  await eventually(
    'every conversation archived to its last seq',
    async () => (await conversationState(ids)).every((r) => r.archivedSeq === 30 && r.rows === 30),
    60_000,
    200,
  );
  await first.stop();

  await outage.begin();
  const second = started.track(
    archiverProcessOn(`${label}-down-2`, stack.env, target.env, {
      ARCHIVE_RETAIN_MESSAGES: '5',
      ARCHIVE_RETENTION_INTERVAL_MS: '200',
    }),
  );
  await expect(second.start(8000)).rejects.toThrow(/archive_store/);
  await eventually(
    'a few retention runs skipped because the store is unreachable',
    async () =>
      (await metricValue(second.baseUrl, 'threadline_archiver_retention_skipped_total', 'store_unreachable')) >= 3,
    60_000,
    200,
  );
  expect((await conversationState(ids)).map((r) => r.rows)).toEqual([30, 30, 30]);

  await outage.end();
  await eventually(
    'retention trims once the store is reachable',
    async () => (await conversationState(ids)).every((r) => r.rows === 5),
    60_000,
    200,
  );
  await everySeqReadable(target, ids);
}
