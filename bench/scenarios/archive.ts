import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { compressSegment, encodeLine } from '@threadline/persistence';
import { decodeRecord } from '@threadline/contracts';
import { ClosedLoopResult, forEachLimited, runClosedLoop } from '../lib/closed-loop';
import { ServiceFixture } from '../lib/fixture';
import { KeepAliveClient } from '../lib/http';
import { chatEvent, chatMessage } from '../lib/payload';
import { BenchSettings, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService, createTopic, kafkaClient } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';
import { endOffsetsOf, produceEvents } from '../lib/topic-load';

const PARTITIONS = 4;
const CONVERSATIONS = 500;
const SEQS_PER_CONVERSATION = 100;
const EVENTS = CONVERSATIONS * SEQS_PER_CONVERSATION;
/**
 * Segments of this size on both sides (the archiver's default is 8 MiB). At 8 MiB no partition of this run
 * fills a segment, so the archiver's time was its segment age limit, not its work.
 */
const SEGMENT_MAX_BYTES = 1024 * 1024;
/** The archiver closes each partition's last, partial segment this long after its first event. */
const SEGMENT_MAX_AGE_MS = 1000;
const CATCH_UP_TIMEOUT_MS = 180_000;
const POLL_MS = 20;

const READ_MESSAGES = 1000;
const PAGES = [100, 1000];
const READ_WARMUP_MS = 1000;
const READ_DURATION_MS = 4000;
const SETUP_CONCURRENCY = 16;

interface Throughput {
  seconds: number;
  eventsPerSec: number;
  uncompressedMBPerSec: number;
  storedMBPerSec: number;
  segments: number;
  cpuSeconds: number | null;
}

interface ReadLevel {
  page: number;
  hot: ClosedLoopResult;
  cached: ClosedLoopResult;
  uncached: ClosedLoopResult;
}

/**
 * Archive throughput: EVENTS events wait on an isolated topic; the archiver is
 * timed from its readiness (a little work may already be done by then) until its offsets in Postgres reach the end offsets
 * (segments written, fsynced, indexed). The floor: a bare kafkajs consumer of
 * the same topic that writes the same gzip NDJSON segments to files with fsync,
 * without the index or the offset transaction.
 * Replay: pages of a 1,000-message conversation through the command while its
 * rows are in Postgres, then after retention moved all of them to the archive,
 * with the segment cache (default) and without it (ARCHIVE_READ_CACHE_BYTES=0).
 */
export const archiveScenario: Scenario = {
  name: 'archive',
  description: `archiver catch-up of ${EVENTS} events vs bare consume+gzip+fsync; replay from Postgres vs the archive`,
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const throughput = await measureThroughput(settings);
    const reads = await measureReads(settings);
    return report(throughput, reads);
  },
};

async function measureThroughput(settings: BenchSettings): Promise<{ ours: Throughput; raw: Throughput }> {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-bench-archive-'));
  const fixture = new ServiceFixture(settings, 'bench-archive', PARTITIONS, {
    ARCHIVE_DIR: join(dir, 'ours'),
    ARCHIVE_SEGMENT_MAX_BYTES: String(SEGMENT_MAX_BYTES),
    ARCHIVE_SEGMENT_MAX_AGE_MS: String(SEGMENT_MAX_AGE_MS),
  });
  const kafka = kafkaClient(settings.kafkaBrokers, 'threadline-bench-archive');
  const db = new Client({ connectionString: settings.databaseUrl });
  await db.connect();
  try {
    await createTopic(kafka, fixture.topic, PARTITIONS);
    const events = [];
    for (let seq = 1; seq <= SEQS_PER_CONVERSATION; seq += 1) {
      for (let c = 0; c < CONVERSATIONS; c += 1) {
        events.push(chatEvent(`${fixture.runId}-c${c}`, seq));
      }
    }
    await produceEvents(kafka, fixture.topic, events);
    const endOffsets = await endOffsetsOf(kafka, fixture.topic);

    log(`archive: archiver catch-up of ${EVENTS} events`);
    const archiver = await fixture.start('archiver');
    const started = performance.now();
    const cpuBefore = archiver.cpuSeconds();
    await waitArchived(db, fixture.env.ARCHIVER_GROUP_ID, fixture.topic, EVENTS);
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = archiver.cpuSeconds();
    const sizes = await db.query<{ n: string; uncompressed: string; stored: string }>(
      `SELECT count(*) AS n, coalesce(sum(uncompressed_bytes), 0) AS uncompressed, coalesce(sum(stored_bytes), 0) AS stored
       FROM archive_segments WHERE topic = $1`,
      [fixture.topic],
    );
    const { n, uncompressed, stored } = sizes.rows[0];
    const ours: Throughput = {
      seconds,
      eventsPerSec: EVENTS / seconds,
      uncompressedMBPerSec: Number(uncompressed) / 1e6 / seconds,
      storedMBPerSec: Number(stored) / 1e6 / seconds,
      segments: Number(n),
      cpuSeconds: cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null,
    };

    log('archive: raw floor, kafkajs consumer + gzip + fsync');
    const raw = await rawArchive(kafka, fixture.topic, endOffsets, join(dir, 'raw'), `${fixture.runId}-raw`);
    return { ours, raw };
  } finally {
    await fixture.tearDown();
    await db.query('DELETE FROM archive_index WHERE segment_key LIKE $1', [`segments/${fixture.topic}/%`]);
    await db.query('DELETE FROM archive_segments WHERE topic = $1', [fixture.topic]);
    await db.query('DELETE FROM consumer_offsets WHERE topic = $1', [fixture.topic]);
    await db.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitArchived(db: Client, group: string, topic: string, total: number): Promise<void> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const res = await db.query<{ n: string }>(
      'SELECT coalesce(sum(next_offset), 0) AS n FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
      [group, topic],
    );
    if (Number(res.rows[0].n) >= total) {
      return;
    }
    await sleep(POLL_MS);
  }
  throw new Error(`the archiver did not reach ${total} events within ${CATCH_UP_TIMEOUT_MS} ms`);
}

/** Consumes the topic from the start and writes gzip NDJSON segments of SEGMENT_MAX_BYTES, fsync per file. */
async function rawArchive(
  kafka: Kafka,
  topic: string,
  endOffsets: Map<number, number>,
  dir: string,
  groupId: string,
): Promise<Throughput> {
  await mkdir(dir, { recursive: true });
  const consumer = kafka.consumer({ groupId, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const openSegments = new Map<number, { lines: Buffer[]; bytes: number }>();
  const done = new Set<number>();
  let uncompressed = 0;
  let stored = 0;
  let segments = 0;
  let written = 0;
  const flush = async (partition: number) => {
    const segment = openSegments.get(partition);
    if (!segment || segment.lines.length === 0) {
      return;
    }
    const bytes = compressSegment(segment.lines);
    const file = await open(join(dir, `${partition}-${segments}.ndjson.gz`), 'w');
    await file.writeFile(bytes);
    await file.sync();
    await file.close();
    uncompressed += segment.bytes;
    stored += bytes.length;
    segments += 1;
    written += segment.lines.length;
    segment.lines = [];
    segment.bytes = 0;
  };
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          const partition = batch.partition;
          const segment = openSegments.get(partition) ?? { lines: [], bytes: 0 };
          openSegments.set(partition, segment);
          for (const message of batch.messages) {
            const decoded = decodeRecord(message);
            if (decoded.kind !== 'event') {
              continue;
            }
            const line = encodeLine({ partition, offset: Number(message.offset), event: decoded.event });
            segment.lines.push(line);
            segment.bytes += line.length;
            if (segment.bytes >= SEGMENT_MAX_BYTES) {
              await flush(partition);
            }
          }
          const last = Number(batch.messages.at(-1)?.offset ?? -1) + 1;
          if (last >= (endOffsets.get(partition) ?? 0) && !done.has(partition)) {
            await flush(partition);
            done.add(partition);
            if (done.size === endOffsets.size) {
              resolve();
            }
          }
        },
      })
      .catch(reject);
  });
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  if (written !== EVENTS) {
    throw new Error(`the raw floor archived ${written} of ${EVENTS} events`);
  }
  return {
    seconds,
    eventsPerSec: EVENTS / seconds,
    uncompressedMBPerSec: uncompressed / 1e6 / seconds,
    storedMBPerSec: stored / 1e6 / seconds,
    segments,
    cpuSeconds: null,
  };
}

async function measureReads(settings: BenchSettings): Promise<ReadLevel[]> {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-bench-archive-reads-'));
  const fixture = new ServiceFixture(settings, 'bench-archive-reads', PARTITIONS, {
    ARCHIVE_DIR: dir,
    ARCHIVE_RETAIN_MESSAGES: '0',
    ARCHIVE_RETENTION_INTERVAL_MS: '200',
  });
  const id = `${fixture.runId}-read`;
  const db = new Client({ connectionString: settings.databaseUrl });
  await db.connect();
  try {
    const command = await fixture.start('command');
    await fixture.start('projector');
    await seed(command.baseUrl, id);
    await waitFor(db, `${READ_MESSAGES} rows in Postgres`, id, (s) => s.rows === READ_MESSAGES);
    const hot = await measurePages(command, id);

    const archiver = await fixture.start('archiver', { ARCHIVE_RETENTION_ENABLED: 'false' });
    await waitFor(db, 'every seq archived', id, (s) => s.archivedSeq === READ_MESSAGES);
    await archiver.stop();
    await fixture.start('archiver', { ARCHIVE_RETENTION_ENABLED: 'true' });
    await waitFor(db, 'every row trimmed to the archive', id, (s) => s.rows === 0);
    const cached = await measurePages(command, id);
    const uncachedCommand = await fixture.start('command', { ARCHIVE_READ_CACHE_BYTES: '0' });
    const uncached = await measurePages(uncachedCommand, id);
    return PAGES.map((page, i) => ({ page, hot: hot[i], cached: cached[i], uncached: uncached[i] }));
  } finally {
    await fixture.tearDown([id]);
    await db.query('DELETE FROM archive_index WHERE conversation_id = $1', [id]).catch(() => undefined);
    await db.query('DELETE FROM archive_segments WHERE topic = $1', [fixture.topic]).catch(() => undefined);
    await db.query('DELETE FROM consumer_offsets WHERE topic = $1', [fixture.topic]).catch(() => undefined);
    await db.end().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function seed(baseUrl: string, id: string): Promise<void> {
  const client = new KeepAliveClient(baseUrl, SETUP_CONCURRENCY);
  try {
    await client.expect(200, 'PUT', `/v1/conversations/${id}`, { metadata: { bench: true } });
    const indexes = Array.from({ length: READ_MESSAGES }, (_, i) => i);
    await forEachLimited(indexes, SETUP_CONCURRENCY, async () => {
      await client.expect(201, 'POST', `/v1/conversations/${id}/messages`, { message: chatMessage() });
    });
  } finally {
    client.close();
  }
}

async function waitFor(
  db: Client,
  what: string,
  id: string,
  done: (state: { rows: number; archivedSeq: number }) => boolean,
): Promise<void> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const res = await db.query<{ rows: string; archived_seq: string | null }>(
      `SELECT (SELECT count(*) FROM messages WHERE conversation_id = $1) AS rows,
              (SELECT archived_seq FROM conversations WHERE id = $1) AS archived_seq`,
      [id],
    );
    const state = { rows: Number(res.rows[0].rows), archivedSeq: Number(res.rows[0].archived_seq ?? 0) };
    if (done(state)) {
      return;
    }
    await sleep(100);
  }
  throw new Error(`archive reads: ${what} did not happen within ${CATCH_UP_TIMEOUT_MS} ms`);
}

/** Replay pages from seq 1 (one page size after another), c=1, eventual (no projection wait). */
async function measurePages(command: BenchService, id: string): Promise<ClosedLoopResult[]> {
  const results: ClosedLoopResult[] = [];
  const client = new KeepAliveClient(command.baseUrl, 1);
  try {
    for (const page of PAGES) {
      const path = `/v1/conversations/${id}/messages?from=1&limit=${page}&consistency=eventual`;
      const first = JSON.parse((await client.expect(200, 'GET', path)).body) as { messages: unknown[] };
      if (first.messages.length !== page) {
        throw new Error(`GET ${path}: ${first.messages.length} messages`);
      }
      results.push(
        await runClosedLoop({ concurrency: 1, warmupMs: READ_WARMUP_MS, durationMs: READ_DURATION_MS }, async () => {
          await client.expect(200, 'GET', path);
        }),
      );
    }
  } finally {
    client.close();
  }
  return results;
}

function report(throughput: { ours: Throughput; raw: Throughput }, reads: ReadLevel[]): ScenarioResult {
  const { ours, raw } = throughput;
  const writeTable = renderTable(
    ['side', 'events/s', 'NDJSON MB/s', 'gzip MB/s', 'segments', 'seconds', 'cpu s'],
    [
      [
        'archiver',
        Math.round(ours.eventsPerSec),
        fmt(ours.uncompressedMBPerSec),
        fmt(ours.storedMBPerSec),
        ours.segments,
        fmt(ours.seconds),
        ours.cpuSeconds === null ? '-' : fmt(ours.cpuSeconds),
      ],
      [
        'raw',
        Math.round(raw.eventsPerSec),
        fmt(raw.uncompressedMBPerSec),
        fmt(raw.storedMBPerSec),
        raw.segments,
        fmt(raw.seconds),
        '-',
      ],
      ['ratio', ratio(ours.eventsPerSec, raw.eventsPerSec), '', '', '', '', ''],
    ],
  );
  const readTable = renderTable(
    [
      'page',
      'postgres p50/p99 ms',
      'archive cached p50/p99 ms',
      'archive uncached p50/p99 ms',
      'cached/pg p50',
      'uncached/pg p50',
    ],
    reads.map((r) => [
      r.page,
      `${fmt(r.hot.latency.p50Ms)} / ${fmt(r.hot.latency.p99Ms)}`,
      `${fmt(r.cached.latency.p50Ms)} / ${fmt(r.cached.latency.p99Ms)}`,
      `${fmt(r.uncached.latency.p50Ms)} / ${fmt(r.uncached.latency.p99Ms)}`,
      ratio(r.cached.latency.p50Ms, r.hot.latency.p50Ms),
      ratio(r.uncached.latency.p50Ms, r.hot.latency.p50Ms),
    ]),
  );
  return {
    table: `${writeTable}\n\n${readTable}`,
    notes: [
      `write: ${EVENTS} events (${CONVERSATIONS} conversations x ${SEQS_PER_CONVERSATION}, ~200-byte text) on ${PARTITIONS} partitions, ` +
        `segments of ${SEGMENT_MAX_BYTES / 1024 / 1024} MiB; the archiver also writes the index and its offsets in Postgres, the raw floor does not, ` +
        `and its time includes up to ${SEGMENT_MAX_AGE_MS} ms for each partition's last, partial segment to close on age (the floor closes it at the end offset)`,
      `read: GET /messages?from=1&limit=<page>&consistency=eventual of a ${READ_MESSAGES}-message conversation, c=1, ` +
        `${READ_WARMUP_MS / 1000} s warm-up + ${READ_DURATION_MS / 1000} s; postgres = all rows hot, archive = every row trimmed (ARCHIVE_RETAIN_MESSAGES=0)`,
    ],
    data: { throughput, reads },
  };
}
