import { randomInt } from 'node:crypto';
import { createClient, RedisClientType } from 'redis';
import { DEFAULT_TENANT } from '@threadline/contracts';
import { commandConfigSchema } from '../../apps/command/src/config/command.config';
import { HeadIndexService } from '../../apps/command/src/head-index/head-index.service';
import { ClosedLoopResult, runClosedLoop } from '../lib/closed-loop';
import { createConversations, ServiceFixture } from '../lib/fixture';
import { KeepAliveClient } from '../lib/http';
import { chatMessage } from '../lib/payload';
import { BenchSettings, envNumber, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';

const PARTITIONS = 12;
/** Index records written at a time while preloading (node-redis pipelines them over one connection). */
const PRELOAD_IN_FLIGHT = 2000;
/** What no figure may degrade by from the small index to the large one. */
const TARGET_RATIO = 1.2;

interface Level {
  label: string;
  indexed: number;
  appendedTo: number;
  result: ClosedLoopResult;
}

export const scaleScenario: Scenario = {
  name: 'scale',
  description: 'append latency with 1,000 vs 1,000,000 conversations in the Redis head index',
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const small = settings.conversations;
    const large = envNumber('BENCH_SCALE_CONVERSATIONS', 1_000_000);
    const concurrency = envNumber('BENCH_SCALE_CONCURRENCY', 16);
    if (large <= small) {
      throw new Error(`BENCH_SCALE_CONVERSATIONS (${large}) must be above BENCH_CONVERSATIONS (${small})`);
    }
    const fixture = new ServiceFixture(settings, 'bench-scale', PARTITIONS);
    const redis = createClient({ url: settings.redisUrl }) as RedisClientType;
    try {
      const command = await fixture.start('command');
      await redis.connect();
      const id = (i: number) => `${fixture.runId}-${i}`;
      await createConversations(
        command.baseUrl,
        Array.from({ length: small }, (_, i) => id(i)),
      );
      const memorySmall = await usedMemory(redis);

      const levels: Level[] = [];
      const measure = async (label: string, indexed: number, appendedTo: number) => {
        log(`scale: ${label}: c=${concurrency}, appends over ${appendedTo} of ${indexed} indexed conversations`);
        const result = await appendLoop(settings, command, concurrency, () => id(randomInt(appendedTo)));
        levels.push({ label, indexed, appendedTo, result });
      };
      await measure('small index', small, small);

      const preloadSeconds = await preload(redis, fixture, small, large, id);
      const memoryLarge = await usedMemory(redis);
      await measure('large index, appends anywhere', large, large);
      await measure('large index, same hot set', large, small);
      await unload(redis, fixture, small, large, id);
      await measure('small index again', small, small);

      const memory = { small: memorySmall, large: memoryLarge, preloadSeconds, preloaded: large - small };
      return report(settings, concurrency, levels, memory);
    } finally {
      await redis.close().catch(() => undefined);
      const started = performance.now();
      await fixture.tearDown();
      log(`scale: stopped and deleted the index keys in ${fmt((performance.now() - started) / 1000)} s`);
    }
  },
};

/**
 * Loads conversations `from`..`to`-1 into the head index the way the command service
 * itself loads a conversation it finds in the projection (HeadIndexService.hydrate):
 * the same keys, fields and encoding as a conversation created through the API.
 * The command's append path reads only Redis, so no Postgres rows are needed.
 */
async function preload(
  redis: RedisClientType,
  fixture: ServiceFixture,
  from: number,
  to: number,
  id: (i: number) => string,
): Promise<number> {
  const index = new HeadIndexService(redis, commandConfigSchema.parse(fixture.env));
  const started = performance.now();
  const now = new Date();
  for (let batch = from; batch < to; batch += PRELOAD_IN_FLIGHT) {
    const writes: Promise<boolean>[] = [];
    for (let i = batch; i < Math.min(batch + PRELOAD_IN_FLIGHT, to); i += 1) {
      writes.push(
        index.hydrate({
          ref: { tenantId: DEFAULT_TENANT, conversationId: id(i) },
          created: true,
          version: 0,
          tombstoned: false,
          metadata: { bench: true },
          parent: null,
          participants: [],
          title: null,
          archived: false,
          headerVersion: 0,
          creator: null,
          createdAt: now,
          updatedAt: now,
        }),
      );
    }
    if ((await Promise.all(writes)).includes(false)) {
      throw new Error('scale: the head index is being rebuilt; cannot preload');
    }
  }
  const seconds = (performance.now() - started) / 1000;
  log(`scale: preloaded ${to - from} conversations into the head index in ${fmt(seconds)} s`);
  return seconds;
}

/** Removes what preload wrote, so the last row measures the small index again (A-B-A: drift vs index size). */
async function unload(
  redis: RedisClientType,
  fixture: ServiceFixture,
  from: number,
  to: number,
  id: (i: number) => string,
): Promise<void> {
  const prefix = fixture.env.REDIS_KEY_PREFIX;
  const started = performance.now();
  for (let batch = from; batch < to; batch += PRELOAD_IN_FLIGHT) {
    const keys: string[] = [];
    for (let i = batch; i < Math.min(batch + PRELOAD_IN_FLIGHT, to); i += 1) {
      keys.push(`${prefix}:c:${id(i)}`, `${prefix}:c:${id(i)}:p`);
    }
    await redis.unlink(keys);
  }
  log(`scale: removed the ${to - from} preloaded conversations in ${fmt((performance.now() - started) / 1000)} s`);
}

async function appendLoop(
  settings: BenchSettings,
  command: BenchService,
  concurrency: number,
  pick: () => string,
): Promise<ClosedLoopResult> {
  const client = new KeepAliveClient(command.baseUrl, concurrency);
  try {
    return await runClosedLoop(
      { concurrency, warmupMs: settings.warmupMs, durationMs: settings.durationMs },
      async () => {
        await client.expect(201, 'POST', `/v1/conversations/${pick()}/messages`, { message: chatMessage() });
      },
    );
  } finally {
    client.close();
  }
}

/** Redis's `used_memory` (the whole instance: other users of the shared Redis are in it too). */
async function usedMemory(redis: RedisClientType): Promise<number> {
  const match = /^used_memory:(\d+)\r?$/m.exec(await redis.info('memory'));
  return match ? Number(match[1]) : Number.NaN;
}

function report(
  settings: BenchSettings,
  concurrency: number,
  levels: Level[],
  memory: { small: number; large: number; preloadSeconds: number; preloaded: number },
): ScenarioResult {
  const [before, ...rest] = levels;
  const after = rest[rest.length - 1];
  const large = rest.slice(0, -1);
  const mean = (pick: (r: ClosedLoopResult) => number) => (pick(before.result) + pick(after.result)) / 2;
  const base = {
    p50Ms: mean((r) => r.latency.p50Ms),
    p99Ms: mean((r) => r.latency.p99Ms),
    throughputPerSec: mean((r) => r.throughputPerSec),
  };
  const headers = [
    'index',
    'indexed',
    'appended to',
    'p50 ms',
    'p99 ms',
    'appends/s',
    'p50 ratio',
    'p99 ratio',
    'errors',
  ];
  const rows = levels.map((l) => [
    l.label,
    l.indexed,
    l.appendedTo,
    fmt(l.result.latency.p50Ms),
    fmt(l.result.latency.p99Ms),
    fmt(l.result.throughputPerSec),
    ratio(l.result.latency.p50Ms, base.p50Ms),
    ratio(l.result.latency.p99Ms, base.p99Ms),
    l.result.errors,
  ]);
  const worst = Math.max(
    ...large.flatMap((l) => [
      l.result.latency.p50Ms / base.p50Ms,
      l.result.latency.p99Ms / base.p99Ms,
      base.throughputPerSec / l.result.throughputPerSec,
    ]),
  );
  const drift = {
    p50: after.result.latency.p50Ms / before.result.latency.p50Ms,
    p99: after.result.latency.p99Ms / before.result.latency.p99Ms,
  };
  const mib = (bytes: number) => fmt(bytes / 2 ** 20);
  const notes = [
    `c=${concurrency} closed loop, ${settings.warmupMs / 1000} s warm-up + ${settings.durationMs / 1000} s per row, ` +
      'command service only (appends touch Redis and Kafka, not Postgres); ratios against the mean of the two ' +
      'small-index rows (measured before and after the large index: A-B-A)',
    `drift between the two small-index rows (same index, later in the run): p50 ${drift.p50.toFixed(2)}x, ` +
      `p99 ${drift.p99.toFixed(2)}x; a large-index ratio within that drift is noise, not index size`,
    `preload: ${memory.preloaded} conversations written with HeadIndexService.hydrate (the command's own Lua ` +
      `script, ${PRELOAD_IN_FLIGHT} pipelined at a time) in ${fmt(memory.preloadSeconds)} s ` +
      `(${fmt(memory.preloaded / memory.preloadSeconds)}/s)`,
    `Redis used_memory: ${mib(memory.small)} MiB with the small index, ${mib(memory.large)} MiB with the large one ` +
      `(${fmt((memory.large - memory.small) / memory.preloaded)} bytes per conversation; the shared instance's ` +
      'other keys are in both figures)',
    `worst degradation ${worst.toFixed(2)}x (p50, p99 or throughput) — target <= ${TARGET_RATIO}x: ` +
      (worst <= TARGET_RATIO ? 'met' : 'missed'),
    ...levels.flatMap((l) => l.result.errorSamples.map((e) => `${l.label}: ${e}`)).slice(0, 3),
  ];
  return {
    table: renderTable(headers, rows),
    notes,
    targets: [
      {
        target: `scale: worst degradation, ${before.indexed} → ${large[0].indexed} conversations`,
        reached: worst,
        limit: TARGET_RATIO,
      },
    ],
    data: {
      concurrency,
      redisUsedMemoryBytes: memory,
      worstRatio: worst,
      smallIndexDrift: drift,
      targetRatio: TARGET_RATIO,
      levels,
    },
  };
}
