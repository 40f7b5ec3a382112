import { setTimeout as sleep } from 'node:timers/promises';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runClosedLoop } from '../lib/closed-loop';
import { createConversations, ServiceFixture } from '../lib/fixture';
import { KeepAliveClient } from '../lib/http';
import { chatMessage } from '../lib/payload';
import { BenchSettings, envNumber, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService, ServiceName } from '../lib/services';
import { fmt, renderTable } from '../lib/table';

const PARTITIONS = 12;
const SERVICES: ServiceName[] = ['command', 'projector', 'realtime', 'archiver'];
const SAMPLE_INTERVAL_MS = 250;
/** How long the services sit idle before the at-rest sample, and again after the load. */
const SETTLE_MS = 3000;

interface Rss {
  rest: number;
  loadMean: number;
  loadPeak: number;
  after: number;
}

export const memoryScenario: Scenario = {
  name: 'memory',
  description: 'RSS of the four services at rest and under append load',
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const concurrency = envNumber('BENCH_MEMORY_CONCURRENCY', 64);
    const archiveDir = mkdtempSync(join(tmpdir(), 'threadline-bench-memory-'));
    const fixture = new ServiceFixture(settings, 'bench-memory', PARTITIONS, { ARCHIVE_DIR: archiveDir });
    const ids = Array.from({ length: settings.conversations }, (_, i) => `${fixture.runId}-${i}`);
    try {
      const services: BenchService[] = [];
      for (const name of SERVICES) {
        services.push(await fixture.start(name));
      }
      const command = services[0];
      await sleep(SETTLE_MS);
      const rest = services.map(rssOf);

      await createConversations(command.baseUrl, ids);
      log(`memory: appends at c=${concurrency} for ${(settings.warmupMs + settings.durationMs) / 1000} s`);
      const samples: number[][] = [];
      const sampler = setInterval(() => samples.push(services.map(rssOf)), SAMPLE_INTERVAL_MS);
      const client = new KeepAliveClient(command.baseUrl, concurrency);
      const load = await runClosedLoop(
        { concurrency, warmupMs: settings.warmupMs, durationMs: settings.durationMs },
        async () => {
          await client.expect(201, 'POST', `/v1/conversations/${ids[randomInt(ids.length)]}/messages`, {
            message: chatMessage(),
          });
        },
      ).finally(() => {
        clearInterval(sampler);
        client.close();
      });
      await sleep(SETTLE_MS);
      const after = services.map(rssOf);

      const rss: Record<string, Rss> = {};
      SERVICES.forEach((name, i) => {
        const under = samples.map((s) => s[i]);
        rss[name] = {
          rest: rest[i],
          loadMean: under.reduce((a, b) => a + b, 0) / Math.max(1, under.length),
          loadPeak: Math.max(...under),
          after: after[i],
        };
      });
      return report(settings, concurrency, rss, load.throughputPerSec, load.latency.p99Ms, load.errors);
    } finally {
      await fixture.tearDown(ids);
      await deleteArchiveRows(settings.databaseUrl, fixture, ids);
      rmSync(archiveDir, { recursive: true, force: true });
    }
  },
};

function rssOf(service: BenchService): number {
  return service.rssBytes() ?? Number.NaN;
}

/** The archiver's index rows and offsets for this run (the fixture deletes the projector's). Best effort. */
async function deleteArchiveRows(databaseUrl: string, fixture: ServiceFixture, ids: string[]): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  try {
    await db.connect();
    await db.query('DELETE FROM archive_index WHERE conversation_id = ANY($1)', [ids]);
    await db.query('DELETE FROM archive_segments WHERE topic = $1', [fixture.topic]);
    await db.query('DELETE FROM consumer_offsets WHERE consumer = $1', [fixture.env.ARCHIVER_GROUP_ID]);
  } catch (error) {
    log(`memory: could not delete the archive rows: ${(error as Error).message}`);
  } finally {
    await db.end().catch(() => undefined);
  }
}

function report(
  settings: BenchSettings,
  concurrency: number,
  rss: Record<string, Rss>,
  appendsPerSec: number,
  p99Ms: number,
  errors: number,
): ScenarioResult {
  const mib = (bytes: number) => fmt(bytes / 2 ** 20);
  const headers = ['service', 'at rest MiB', 'under load mean MiB', 'under load peak MiB', 'after load MiB'];
  const rows = Object.entries(rss).map(([name, r]) => [
    name,
    mib(r.rest),
    mib(r.loadMean),
    mib(r.loadPeak),
    mib(r.after),
  ]);
  const notes = [
    'RSS = VmRSS of /proc/<pid>/status of each service process, all four started together on one topic ' +
      `(${PARTITIONS} partitions); at rest ${SETTLE_MS / 1000} s after they were ready, before any conversation`,
    `load: POST appends at c=${concurrency} over ${settings.conversations} conversations for ` +
      `${(settings.warmupMs + settings.durationMs) / 1000} s, sampled every ${SAMPLE_INTERVAL_MS} ms: ` +
      `${fmt(appendsPerSec)} appends/s, p99 ${fmt(p99Ms)} ms, ${errors} errors; the projector, realtime (no ` +
      'subscribers) and archiver consume every event; after load: once idle again for ' +
      `${SETTLE_MS / 1000} s`,
  ];
  return { table: renderTable(headers, rows), notes, data: { concurrency, appendsPerSec, p99Ms, errors, rss } };
}
