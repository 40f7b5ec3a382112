import { randomInt } from 'node:crypto';
import { CompressionTypes, Producer } from 'kafkajs';
import { encodeEvent } from '@threadline/contracts';
import { ClosedLoopResult, runClosedLoop } from '../lib/closed-loop';
import { createConversations, ServiceFixture } from '../lib/fixture';
import { KeepAliveClient } from '../lib/http';
import { CHAT_TEXT, chatEvent, chatMessage } from '../lib/payload';
import { BenchSettings, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService, createTopic, kafkaClient } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';
import { AUTH_LEVELS, AuthCost, measureAuthCost } from './append-auth';

const PARTITIONS = 12;
/** Target: append p99 within this factor of the bare producer at the same concurrency (c=1 has its own). */
const APPEND_P99_TARGET = 1.5;
const APPEND_P99_TARGET_C1 = 2;
/**
 * The command's CPU per append at c=1 on 2026-11-30 (docs/performance.md: 2–2.5 ms, Express, pino-http, zod
 * copies, three serializations, two Redis round trips); the target is half of it.
 */
const BASELINE_CPU_MS_C1 = 2;
const CPU_TARGET = 0.5;
const ACK_TIMEOUT_MS = 5000;
/** The tenant limits, out of the way: the bench measures the append path, not the 429s of a limit. */
const UNLIMITED_TENANT = {
  LIMIT_TENANT_APPENDS_PER_S: String(1_000_000),
  LIMIT_TENANT_APPEND_BYTES_PER_S: String(1024 ** 3),
};

interface Level {
  concurrency: number;
  ours: ClosedLoopResult;
  raw: ClosedLoopResult;
  /** Mean events per produce request of the command during the level (its group commit). */
  oursMeanBatch: number;
  /** Mean append latency measured inside the command (reservation to ack bookkeeping). */
  oursServerMeanMs: number;
  /** CPU time of the command process per append (warm-up included); null without /proc. */
  oursCommandCpuMsPerOp: number | null;
}

/**
 * Acknowledged appends through the command service, authenticated with an API key
 * as in production (HTTP → Redis reservation → Kafka produce with acks=all → 201),
 * against the floor of the same broker: a bare idempotent kafkajs producer with
 * acks=all, one message per send, the same number of concurrent callers, the same
 * envelope bytes and key. Then, on the same topic, the cost of authentication
 * (append-auth.ts): AUTH_MODE=on with an API key and with a JWT against AUTH_MODE=none.
 */
export const appendScenario: Scenario = {
  name: 'append',
  description:
    'POST /v1/conversations/{id}/messages (AUTH_MODE=on, API key) vs a bare kafkajs producer.send, and ' +
    `with an API key and a JWT vs AUTH_MODE=none at c=${AUTH_LEVELS.join('/')}, closed loop`,
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const fixture = new ServiceFixture(settings, 'bench', PARTITIONS, {
      APPEND_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
      ...UNLIMITED_TENANT,
    });
    const rawTopic = fixture.rawTopic;
    const kafka = kafkaClient(settings.kafkaBrokers, 'threadline-bench-raw');
    let producer: Producer | null = null;
    try {
      const auth = fixture.authenticate();
      const command = await fixture.start('command');
      const ids = Array.from({ length: settings.conversations }, (_, i) => `bench-${i}`);
      await createConversations(command.baseUrl, ids, auth.headers);
      await createTopic(kafka, rawTopic, PARTITIONS);
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      const envelopeBytes = encodeEvent(chatEvent(ids[0], 1)).value.length;

      const sides: Sides = { command, headers: auth.headers, producer, rawTopic, ids };
      await warmUp(settings, sides);
      const levels: Level[] = [];
      for (const concurrency of settings.concurrency) {
        levels.push(await measureLevel(settings, concurrency, sides));
      }
      const authCost = await measureAuthCost(settings, fixture, ids);
      return report(settings, levels, envelopeBytes, authCost);
    } finally {
      await producer?.disconnect().catch(() => undefined);
      await fixture.tearDown();
    }
  },
};

/** What a level measures: the command (authenticated) and the bare producer, on the same conversations. */
interface Sides {
  command: BenchService;
  headers: Record<string, string>;
  producer: Producer;
  rawTopic: string;
  ids: string[];
}

/** Both sides run before the first level, so that c=1 is not also the measure of a cold process. */
const WARM_UP_CONCURRENCY = 16;

async function warmUp(settings: BenchSettings, sides: Sides): Promise<void> {
  const loop = { concurrency: WARM_UP_CONCURRENCY, warmupMs: 0, durationMs: Math.max(2 * settings.warmupMs, 4000) };
  log(`append: warming both sides up (c=${loop.concurrency}, ${loop.durationMs} ms each, not measured)`);
  const client = new KeepAliveClient(sides.command.baseUrl, loop.concurrency, sides.headers);
  try {
    await runClosedLoop(loop, () => appendOne(client, sides.ids));
  } finally {
    client.close();
  }
  let seq = 0;
  await runClosedLoop(loop, () => produceOne(sides, (seq += 1)));
}

async function appendOne(client: KeepAliveClient, ids: string[]): Promise<void> {
  await client.expect(201, 'POST', `/v1/conversations/${ids[randomInt(ids.length)]}/messages`, {
    message: chatMessage(),
  });
}

async function produceOne(sides: Sides, seq: number): Promise<void> {
  await sides.producer.send({
    topic: sides.rawTopic,
    acks: -1,
    timeout: ACK_TIMEOUT_MS,
    compression: CompressionTypes.None,
    messages: [encodeEvent(chatEvent(sides.ids[randomInt(sides.ids.length)], seq))],
  });
}

async function measureLevel(settings: BenchSettings, concurrency: number, sides: Sides): Promise<Level> {
  const loop = { concurrency, warmupMs: settings.warmupMs, durationMs: settings.durationMs };
  const { command } = sides;

  log(`append: c=${concurrency} ours (${loop.warmupMs} ms warm-up + ${loop.durationMs} ms)`);
  const client = new KeepAliveClient(command.baseUrl, concurrency, sides.headers);
  const before = await serverCounters(command);
  let ours: ClosedLoopResult;
  try {
    ours = await runClosedLoop(loop, () => appendOne(client, sides.ids));
  } finally {
    client.close();
  }
  const after = await serverCounters(command);

  log(`append: c=${concurrency} raw kafkajs producer`);
  let seq = 0;
  const raw = await runClosedLoop(loop, () => produceOne(sides, (seq += 1)));

  const batches = after.batches - before.batches;
  const appends = after.appends - before.appends;
  const cpu = after.cpuSeconds !== null && before.cpuSeconds !== null ? after.cpuSeconds - before.cpuSeconds : null;
  return {
    concurrency,
    ours,
    raw,
    oursMeanBatch: batches > 0 ? (after.batchedEvents - before.batchedEvents) / batches : 0,
    oursServerMeanMs: appends > 0 ? ((after.appendSeconds - before.appendSeconds) / appends) * 1000 : 0,
    oursCommandCpuMsPerOp: cpu !== null && appends > 0 ? (cpu / appends) * 1000 : null,
  };
}

/** The command's own counters, read around a level (they include its warm-up). */
async function serverCounters(command: BenchService) {
  const [batches, batchedEvents, appends, appendSeconds] = await Promise.all([
    command.metric('threadline_command_produce_batch_size_count'),
    command.metric('threadline_command_produce_batch_size_sum'),
    command.metric('threadline_command_append_seconds_count'),
    command.metric('threadline_command_append_seconds_sum'),
  ]);
  return { batches, batchedEvents, appends, appendSeconds, cpuSeconds: command.cpuSeconds() };
}

function report(settings: BenchSettings, levels: Level[], envelopeBytes: number, auth: AuthCost): ScenarioResult {
  const headers = [
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
    'batch',
    'cmd cpu ms',
  ];
  const rows = levels.map((l) => [
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
    fmt(l.oursMeanBatch),
    l.oursCommandCpuMsPerOp === null ? '-' : fmt(l.oursCommandCpuMsPerOp),
  ]);
  const notes = [
    `${settings.conversations} conversations, ${PARTITIONS} partitions, ${settings.warmupMs / 1000} s warm-up + ` +
      `${settings.durationMs / 1000} s per level, ${CHAT_TEXT.length}-byte text, ${envelopeBytes}-byte event envelope`,
    `ours = the command with AUTH_MODE=on and an API key; both sides warmed up at c=${WARM_UP_CONCURRENCY} before the first level`,
    'raw = bare kafkajs producer (idempotent, acks=-1, maxInFlightRequests 1), one message per send, c concurrent callers',
    'batch = mean events per produce request inside the command (group commit); ' +
      'cmd cpu ms = CPU time of the command process per append',
  ];
  for (const l of levels) {
    for (const [side, result] of [
      ['ours', l.ours],
      ['raw', l.raw],
    ] as const) {
      if (result.errors > 0) {
        notes.push(`c=${l.concurrency} ${side}: ${result.errors} errors, e.g. ${result.errorSamples[0]}`);
      }
    }
  }
  return {
    table: `${renderTable(headers, rows)}\n\nauthentication: the same append, AUTH_MODE=on vs none\n\n${auth.table}`,
    notes: [...notes, ...auth.notes],
    targets: [
      ...levels.map((l) => ({
        target: `append p99 ours/raw, c=${l.concurrency}`,
        reached: l.ours.latency.p99Ms / l.raw.latency.p99Ms,
        limit: l.concurrency === 1 ? APPEND_P99_TARGET_C1 : APPEND_P99_TARGET,
      })),
      ...levels
        .filter((l) => l.concurrency === 1 && l.oursCommandCpuMsPerOp !== null)
        .map((l) => ({
          target: `command cpu per append c=1 / ${BASELINE_CPU_MS_C1} ms (2026-11-30)`,
          reached: (l.oursCommandCpuMsPerOp ?? 0) / BASELINE_CPU_MS_C1,
          limit: CPU_TARGET,
        })),
      ...auth.targets,
    ],
    data: {
      partitions: PARTITIONS,
      conversations: settings.conversations,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      textBytes: CHAT_TEXT.length,
      envelopeBytes,
      levels,
      auth: auth.data,
    },
  };
}
