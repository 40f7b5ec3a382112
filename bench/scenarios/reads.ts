import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { ClosedLoopResult, forEachLimited, runClosedLoop } from '../lib/closed-loop';
import { ServiceFixture } from '../lib/fixture';
import { KeepAliveClient } from '../lib/http';
import { CHAT_TEXT } from '../lib/payload';
import { BenchSettings, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';

const PARTITIONS = 4;
const MESSAGES = 1000;
const PAGE = 100;
const CONCURRENCY = [1, 16];
const WARMUP_MS = 1000;
const DURATION_MS = 4000;
const SETUP_CONCURRENCY = 16;
const PROJECTION_TIMEOUT_MS = 60_000;
/** The command's default pool, stated so the raw pool can match it. */
const COMMAND_POOL_SIZE = 10;

type ReadKind = 'tail' | 'replay';

interface Level {
  read: ReadKind;
  consistency: 'strong' | 'eventual';
  concurrency: number;
  ours: ClosedLoopResult;
  raw: ClosedLoopResult;
  /** CPU time of the command process per read (warm-up included); null without /proc. */
  oursCommandCpuMsPerOp: number | null;
}

/** The SELECTs the command's ReadsService issues through TypeORM, written by hand. */
const RAW_SQL: Record<ReadKind, string> = {
  tail: 'SELECT * FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET 0',
  replay: 'SELECT * FROM messages WHERE conversation_id = $1 AND seq >= 1 ORDER BY seq ASC LIMIT $2',
};

const PATH: Record<ReadKind, (id: string) => string> = {
  tail: (id) => `/v1/conversations/${id}/tail?limit=${PAGE}`,
  replay: (id) => `/v1/conversations/${id}/messages?from=1&limit=${PAGE}`,
};

/**
 * Page reads of a 1,000-message conversation through the command service
 * (HTTP keep-alive → head index → projection check → SELECT → JSON), against the
 * same SELECT on a bare `pg` pool of the same size as the command's.
 */
export const readsScenario: Scenario = {
  name: 'reads',
  description: `GET tail / replay of ${PAGE} of ${MESSAGES} messages vs the same SELECT on a bare pg pool`,
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const fixture = new ServiceFixture(settings, 'bench-reads', PARTITIONS, {
      DATABASE_POOL_SIZE: String(COMMAND_POOL_SIZE),
    });
    const id = `${fixture.runId}-read`;
    const pool = new Pool({ connectionString: settings.databaseUrl, max: COMMAND_POOL_SIZE });
    try {
      const command = await fixture.start('command');
      await fixture.start('projector');
      await seed(command.baseUrl, id);
      await waitProjected(pool, id);

      const levels: Level[] = [];
      for (const read of ['tail', 'replay'] as const) {
        for (const concurrency of CONCURRENCY) {
          const level = await measureLevel(read, 'strong', concurrency, command, pool, id, null);
          levels.push(level);
          if (read === 'tail') {
            // The same read without the projection check, against the same raw measurement.
            levels.push(await measureLevel(read, 'eventual', concurrency, command, pool, id, level.raw));
          }
        }
      }
      return report(levels);
    } finally {
      await fixture.tearDown([id]);
      await pool.end().catch(() => undefined);
    }
  },
};

async function seed(baseUrl: string, id: string): Promise<void> {
  const started = performance.now();
  const client = new KeepAliveClient(baseUrl, SETUP_CONCURRENCY);
  try {
    await client.request('PUT', `/v1/conversations/${id}`, { metadata: { bench: true } }).then((res) => {
      if (res.status !== 200 && res.status !== 201) {
        throw new Error(`PUT /v1/conversations/${id}: ${res.status} ${res.body.slice(0, 200)}`);
      }
    });
    const indexes = Array.from({ length: MESSAGES }, (_, i) => i);
    await forEachLimited(indexes, SETUP_CONCURRENCY, async (i) => {
      const role = i % 2 === 0 ? 'user' : 'assistant';
      await client.expect(201, 'POST', `/v1/conversations/${id}/messages`, {
        message: { role, parts: [{ type: 'text', text: CHAT_TEXT }] },
      });
    });
  } finally {
    client.close();
  }
  log(`reads: appended ${MESSAGES} messages in ${fmt((performance.now() - started) / 1000)} s`);
}

async function waitProjected(pool: Pool, id: string): Promise<void> {
  const deadline = Date.now() + PROJECTION_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const res = await pool.query<{ n: string }>('SELECT count(*) AS n FROM messages WHERE conversation_id = $1', [id]);
    if (Number(res.rows[0].n) >= MESSAGES) {
      return;
    }
    await sleep(50);
  }
  throw new Error(`${MESSAGES} messages of ${id} not projected within ${PROJECTION_TIMEOUT_MS} ms`);
}

async function measureLevel(
  read: ReadKind,
  consistency: 'strong' | 'eventual',
  concurrency: number,
  command: BenchService,
  pool: Pool,
  id: string,
  rawMeasured: ClosedLoopResult | null,
): Promise<Level> {
  const loop = { concurrency, warmupMs: WARMUP_MS, durationMs: DURATION_MS };
  const path = `${PATH[read](id)}&consistency=${consistency}`;
  const client = new KeepAliveClient(command.baseUrl, concurrency);
  log(`reads: ${read} ${consistency} c=${concurrency} ours`);
  let ours: ClosedLoopResult;
  const cpuBefore = command.cpuSeconds();
  try {
    const first = await client.expect(200, 'GET', path);
    const page = JSON.parse(first.body) as { messages: unknown[]; consistency: string };
    if (page.messages.length !== PAGE || page.consistency !== consistency) {
      throw new Error(`GET ${path}: ${page.messages.length} messages, ${page.consistency}`);
    }
    ours = await runClosedLoop(loop, async () => {
      await client.expect(200, 'GET', path);
    });
  } finally {
    client.close();
  }
  const cpuAfter = command.cpuSeconds();
  const oursCommandCpuMsPerOp =
    cpuBefore !== null && cpuAfter !== null && ours.totalOps > 0
      ? ((cpuAfter - cpuBefore) / (ours.totalOps + 1)) * 1000
      : null;
  if (rawMeasured) {
    return { read, consistency, concurrency, ours, raw: rawMeasured, oursCommandCpuMsPerOp };
  }

  log(`reads: ${read} c=${concurrency} raw pg`);
  const sql = RAW_SQL[read];
  const raw = await runClosedLoop(loop, async () => {
    const res = await pool.query(sql, [id, PAGE]);
    if (res.rowCount !== PAGE) {
      throw new Error(`${read}: ${res.rowCount} rows`);
    }
  });
  return { read, consistency, concurrency, ours, raw, oursCommandCpuMsPerOp };
}

function report(levels: Level[]): ScenarioResult {
  const headers = [
    'read',
    'consistency',
    'c',
    'ours p50 ms',
    'ours p99 ms',
    'ours /s',
    'raw p50 ms',
    'raw p99 ms',
    'raw /s',
    'p50 ours/raw',
    'p99 ours/raw',
    'tput ours/raw',
    'cmd cpu ms',
  ];
  const rows = levels.map((l) => [
    l.read,
    l.consistency,
    l.concurrency,
    fmt(l.ours.latency.p50Ms),
    fmt(l.ours.latency.p99Ms),
    Math.round(l.ours.throughputPerSec),
    fmt(l.raw.latency.p50Ms),
    fmt(l.raw.latency.p99Ms),
    Math.round(l.raw.throughputPerSec),
    ratio(l.ours.latency.p50Ms, l.raw.latency.p50Ms),
    ratio(l.ours.latency.p99Ms, l.raw.latency.p99Ms),
    ratio(l.ours.throughputPerSec, l.raw.throughputPerSec),
    l.oursCommandCpuMsPerOp === null ? '-' : fmt(l.oursCommandCpuMsPerOp),
  ]);
  const notes = [
    `one conversation of ${MESSAGES} messages (${CHAT_TEXT.length}-byte text) appended through the command and projected; ` +
      `pages of ${PAGE}: tail = GET .../tail?limit=${PAGE}, replay = GET .../messages?from=1&limit=${PAGE}; ` +
      `${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s per level`,
    `ours = the command over HTTP keep-alive, DATABASE_POOL_SIZE=${COMMAND_POOL_SIZE}; strong (the default) = head ` +
      'index lookup + projection check + SELECT + JSON; eventual skips the projection check',
    `raw = the same SELECT * on a bare pg Pool (max ${COMMAND_POOL_SIZE}), rows parsed by pg, no HTTP/JSON`,
    'cmd cpu ms = CPU time of the command process per read; raw of an eventual row is the strong row above it',
  ];
  for (const l of levels) {
    for (const [side, result] of [
      ['ours', l.ours],
      ['raw', l.raw],
    ] as const) {
      if (result.errors > 0) {
        notes.push(
          `${l.read} ${l.consistency} c=${l.concurrency} ${side}: ${result.errors} errors, e.g. ${result.errorSamples[0]}`,
        );
      }
    }
  }
  return {
    table: renderTable(headers, rows),
    notes,
    data: {
      messages: MESSAGES,
      page: PAGE,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      commandPoolSize: COMMAND_POOL_SIZE,
      levels,
    },
  };
}
