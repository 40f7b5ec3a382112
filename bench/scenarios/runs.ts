import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, Kafka } from 'kafkajs';
import { decodeRunRecord, encodeRunRecord, RunEventBody, RunRecordType } from '@threadline/contracts';
import { BenchAuth, createConversations, ServiceFixture } from '../lib/fixture';
import { LatencyHistogram, LatencySummary } from '../lib/histogram';
import { KeepAliveClient } from '../lib/http';
import { BenchSettings, envNumber, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService, createTopic, kafkaClient } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';
import { waitUntil } from '../lib/wait-until';
import { deleteGroup, rawProducer } from '../lib/raw-pipeline';
import { openStreams, StreamClient, terminateAll } from '../lib/ws-streams';

const PARTITIONS = 12;
/** Target: run event → subscriber p99 within this factor of bare produce → consume of the same records. */
const RUNS_P99_TARGET = 2;
const CONNECT_CONCURRENCY = 100;
const ACK_TIMEOUT_MS = 5000;
const DRAIN_TIMEOUT_MS = 30_000;
/** A delta's text names the batch it went out in: `p<batch>.<index>`. */
const PROBE_PATTERN = /^p(\d+)\./;

interface Shape {
  runs: number;
  /** Deltas each run's model produces per second. */
  deltasPerSec: number;
  /** How often a run's writer sends what its model produced since the last send (one batch in flight per run). */
  flushMs: number;
  subscribersPerRun: number;
  /** Clients that join a run mid-way, one after another. */
  joiners: number;
  /** Deltas per batch in the saturation phase (each writer sends back to back). */
  saturationBatch: number;
  warmupMs: number;
  durationMs: number;
}

/** Send times of batches (every delta of a batch shares its batch's time), and receipt latency per delta. */
class BatchClock {
  readonly latency = new LatencyHistogram();
  readonly acks = new LatencyHistogram();
  private readonly sentAt = new Map<number, number>();
  private nextBatch = 0;
  measuring = false;
  /** Deltas in acknowledged batches and deltas received, measured or not. */
  ackedDeltas = 0;
  receivedDeltas = 0;

  send(): number {
    const batch = this.nextBatch;
    this.nextBatch += 1;
    this.sentAt.set(batch, performance.now());
    return batch;
  }

  acked(batch: number, deltas: number): void {
    this.ackedDeltas += deltas;
    const sent = this.sentAt.get(batch);
    if (this.measuring && sent !== undefined) {
      this.acks.recordMs(performance.now() - sent);
    }
  }

  received(delta: string, at: number): void {
    this.receivedDeltas += 1;
    const match = PROBE_PATTERN.exec(delta);
    const sent = match ? this.sentAt.get(Number(match[1])) : undefined;
    if (this.measuring && sent !== undefined) {
      this.latency.recordMs(at - sent);
    }
  }
}

/** One run's model: `deltasPerSec` deltas, released to the writer as time passes. */
class DeltaSource {
  private produced = 0;
  private readonly started = performance.now();

  constructor(private readonly deltasPerSec: number) {}

  /** The deltas produced since the last call (at least one, so every batch carries something). */
  take(batch: number): RunEventBody[] {
    const due = Math.max(
      this.produced + 1,
      Math.floor(((performance.now() - this.started) / 1000) * this.deltasPerSec),
    );
    const events = Array.from({ length: due - this.produced }, (_, i): RunEventBody => ({
      kind: 'text-delta',
      delta: `p${batch}.${i} lorem ipsum `,
    }));
    this.produced = due;
    return events;
  }
}

interface Order {
  /** run_event frames whose run_seq skipped ahead of the previous one + 1 (per client and run). */
  jumps: number;
  /** run_event frames whose run_seq was not above the previous one. */
  outOfOrder: number;
  /** Clients whose connection closed during the run. */
  closed: number;
}

interface Side {
  latency: LatencySummary;
  ack: LatencySummary;
  batches: number;
  deltas: number;
  errors: number;
  errorSamples: string[];
}

interface Join {
  /** Connect → the last event the run had when the client connected (the catch-up). */
  caughtUp: LatencySummary;
  /** Connect → the first event produced after it connected. */
  firstLive: LatencySummary;
}

interface RunFrame {
  type: string;
  run_id?: string;
  run_seq?: number;
  kind?: string;
  delta?: string;
}

/**
 * Runs streamed live: R runs, each a writer that sends what its model produced
 * every F ms (one batch in flight per run) to `POST /v1/runs/{id}/events`, each
 * followed by plain WebSocket clients; latency runs from just before a batch's
 * POST to a client's receipt of each of its deltas (command → Kafka → realtime →
 * socket). The floor, in the same run: the same batches as bare `run.events`
 * records from a kafkajs producer (acks=all) to a kafkajs consumer. Then the cost
 * of joining mid-run, and the deltas/s the command accepts at saturation.
 */
export const runsScenario: Scenario = {
  name: 'runs',
  description: 'run events → plain WebSocket subscribers vs bare kafkajs produce → consume of the same records',
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const shape = shapeFromEnv(settings);
    const fixture = new ServiceFixture(settings, 'bench-runs', PARTITIONS, {
      APPEND_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
      RUN_IDLE_TIMEOUT_MS: '600000',
    });
    const ids = Array.from({ length: shape.runs }, (_, i) => `${fixture.runId}-c${i}`);
    try {
      const auth = fixture.authenticate();
      await fixture.start('projector');
      const command = await fixture.start('command');
      const realtime = await fixture.start('realtime');
      await createConversations(command.baseUrl, ids, auth.headers);
      const ours = await measureOurs(shape, ids, command, realtime, auth);
      log('runs: raw kafkajs produce → consume');
      const raw = await measureRaw(shape, ids, kafkaClient(settings.kafkaBrokers, 'threadline-bench-runs'), {
        topic: fixture.rawTopic,
        groupId: `${fixture.runId}-raw`,
      });
      return report(shape, ours, raw);
    } finally {
      await fixture.tearDown(ids);
    }
  },
};

function shapeFromEnv(settings: BenchSettings): Shape {
  return {
    runs: envNumber('BENCH_RUNS', 100),
    deltasPerSec: envNumber('BENCH_RUNS_DELTAS_PER_S', 50),
    flushMs: envNumber('BENCH_RUNS_FLUSH_MS', 100),
    subscribersPerRun: envNumber('BENCH_RUNS_SUBSCRIBERS', 1),
    joiners: envNumber('BENCH_RUNS_JOINERS', 20),
    saturationBatch: envNumber('BENCH_RUNS_SATURATION_BATCH', 10),
    warmupMs: settings.warmupMs,
    durationMs: settings.durationMs,
  };
}

interface OursResult {
  side: Side;
  order: Order;
  join: Join;
  saturation: { deltasPerSec: number; batches: number; errors: number };
}

async function measureOurs(
  shape: Shape,
  ids: readonly string[],
  command: BenchService,
  realtime: BenchService,
  auth: BenchAuth,
): Promise<OursResult> {
  const client = new KeepAliveClient(command.baseUrl, shape.runs + 8, auth.headers);
  const runIds: string[] = [];
  for (const id of ids) {
    const res = await client.expect(201, 'POST', `/v1/conversations/${id}/runs`, { metadata: { bench: true } });
    runIds.push((JSON.parse(res.body) as { run_id: string }).run_id);
  }
  const clock = new BatchClock();
  const order: Order = { jumps: 0, outOfOrder: 0, closed: 0 };
  const subscriberIds = ids.flatMap((id) => Array.from({ length: shape.subscribersPerRun }, () => id));
  const lastRunSeq = new Float64Array(subscriberIds.length);
  const onFrame = (streamClient: StreamClient, text: string, at: number) => {
    const frame = JSON.parse(text) as RunFrame;
    if (frame.type !== 'run_event' || typeof frame.run_seq !== 'number') {
      return;
    }
    const last = lastRunSeq[streamClient.index];
    if (frame.run_seq <= last) {
      order.outOfOrder += 1;
    } else if (frame.run_seq > last + 1) {
      order.jumps += 1;
    }
    lastRunSeq[streamClient.index] = Math.max(last, frame.run_seq);
    if (frame.kind === 'text-delta' && typeof frame.delta === 'string') {
      clock.received(frame.delta, at);
    }
  };
  log(`runs: opening ${subscriberIds.length} plain WebSocket clients`);
  const streams = await openStreams(realtime.port, subscriberIds, {
    cursor: 0,
    concurrency: CONNECT_CONCURRENCY,
    accessToken: auth.apiKey,
    onFrame,
  });
  if (streams.failures > 0) {
    await terminateAll(streams.clients);
    throw new Error(`${streams.failures} clients could not connect, e.g. ${streams.failureSamples[0]}`);
  }
  const heads = new Float64Array(shape.runs);
  const errors = { count: 0, samples: [] as string[] };
  const producerSeqs = new Float64Array(shape.runs);
  const sendBatch = async (run: number, events: RunEventBody[], batch: number): Promise<void> => {
    producerSeqs[run] += 1;
    const res = await client.request('POST', `/v1/runs/${runIds[run]}/events`, {
      events,
      producer_seq: producerSeqs[run],
    });
    if (res.status !== 201) {
      errors.count += 1;
      if (errors.samples.length < 5) {
        errors.samples.push(`${res.status} ${res.body.slice(0, 160)}`);
      }
      return;
    }
    clock.acked(batch, events.length);
    heads[run] = (JSON.parse(res.body) as { last_run_seq: number }).last_run_seq;
  };
  try {
    await waitUntil(
      async () => (await realtime.metric('threadline_realtime_subscriptions')) >= subscriberIds.length,
      'every client subscribed on the realtime service',
      DRAIN_TIMEOUT_MS,
    );
    log(
      `runs: ${shape.runs} runs x ${shape.deltasPerSec} deltas/s, flushed every ${shape.flushMs} ms, ` +
        `${(shape.warmupMs + shape.durationMs) / 1000} s`,
    );
    const stopAt = performance.now() + shape.warmupMs + shape.durationMs;
    setTimeout(() => {
      clock.measuring = true;
    }, shape.warmupMs);
    const joining = measureJoins(shape, ids, heads, realtime, auth.apiKey, stopAt);
    await Promise.all(
      runIds.map(async (_, run) => {
        const source = new DeltaSource(shape.deltasPerSec);
        // Spread the writers' ticks over one flush interval.
        await sleep((shape.flushMs * run) / shape.runs);
        while (performance.now() < stopAt) {
          const tick = performance.now();
          const batch = clock.send();
          await sendBatch(run, source.take(batch), batch);
          const wait = shape.flushMs - (performance.now() - tick);
          if (wait >= 1) {
            await sleep(wait);
          }
        }
      }),
    );
    const join = await joining;
    await waitUntil(
      async () =>
        streams.clients.every((c) => lastRunSeq[c.index] >= heads[Math.floor(c.index / shape.subscribersPerRun)]),
      'every client received every acknowledged event',
      DRAIN_TIMEOUT_MS,
    ).catch((error: Error) => log(`runs: ${error.message}`));
    clock.measuring = false;
    order.closed = streams.clients.filter((c) => c.closeCode !== null).length;
    const latency = clock.latency.summary();
    const side: Side = {
      latency,
      ack: clock.acks.summary(),
      batches: clock.acks.count,
      deltas: latency.count,
      errors: errors.count,
      errorSamples: errors.samples,
    };
    const saturation = await measureSaturation(shape, runIds, client, producerSeqs);
    return { side, order, join, saturation };
  } finally {
    client.close();
    await terminateAll(streams.clients);
  }
}

/**
 * Clients joining runs mid-way, one at a time while the writers run: the time to
 * receive the events the run had at connect (read back from Postgres), and to the
 * first event written after connect (live).
 */
async function measureJoins(
  shape: Shape,
  ids: readonly string[],
  heads: Float64Array,
  realtime: BenchService,
  accessToken: string,
  stopAt: number,
): Promise<Join> {
  const caughtUp = new LatencyHistogram();
  const firstLive = new LatencyHistogram();
  const spacing = shape.durationMs / (shape.joiners + 1);
  await sleep(shape.warmupMs);
  for (let j = 0; j < shape.joiners && performance.now() + spacing < stopAt; j += 1) {
    await sleep(spacing);
    const run = j % ids.length;
    const headAtJoin = heads[run];
    const connectedAt = performance.now();
    let caught = headAtJoin === 0;
    let live = false;
    const streams = await openStreams(realtime.port, [ids[run]], {
      cursor: 0,
      concurrency: 1,
      accessToken,
      onFrame: (_client, text, at) => {
        const frame = JSON.parse(text) as RunFrame;
        if (frame.type !== 'run_event' || typeof frame.run_seq !== 'number') {
          return;
        }
        if (!caught && frame.run_seq >= headAtJoin) {
          caught = true;
          caughtUp.recordMs(at - connectedAt);
        }
        if (!live && frame.run_seq > headAtJoin) {
          live = true;
          firstLive.recordMs(at - connectedAt);
        }
      },
    });
    await waitUntil(async () => caught && live, `joiner ${j} caught up and live`, DRAIN_TIMEOUT_MS).catch(
      (error: Error) => log(`runs: ${error.message}`),
    );
    await terminateAll(streams.clients);
  }
  return { caughtUp: caughtUp.summary(), firstLive: firstLive.summary() };
}

/** Every writer sends batches of `saturationBatch` deltas back to back for the measured duration. */
async function measureSaturation(
  shape: Shape,
  runIds: readonly string[],
  client: KeepAliveClient,
  producerSeqs: Float64Array,
): Promise<{ deltasPerSec: number; batches: number; errors: number }> {
  log(`runs: saturation, ${runIds.length} writers x ${shape.saturationBatch} deltas per batch, back to back`);
  const events = Array.from({ length: shape.saturationBatch }, (_, i): RunEventBody => ({
    kind: 'text-delta',
    delta: `s${i} lorem ipsum `,
  }));
  let batches = 0;
  let errors = 0;
  const started = performance.now();
  const stopAt = started + shape.durationMs;
  await Promise.all(
    runIds.map(async (runId, run) => {
      while (performance.now() < stopAt) {
        producerSeqs[run] += 1;
        const res = await client.request('POST', `/v1/runs/${runId}/events`, {
          events,
          producer_seq: producerSeqs[run],
        });
        if (res.status === 201) {
          batches += 1;
        } else {
          errors += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { deltasPerSec: (batches * shape.saturationBatch) / seconds, batches, errors };
}

async function measureRaw(
  shape: Shape,
  ids: readonly string[],
  kafka: Kafka,
  names: { topic: string; groupId: string },
): Promise<Side> {
  await createTopic(kafka, names.topic, PARTITIONS);
  const clock = new BatchClock();
  // Configured like realtime's live consumers.
  const consumer = kafka.consumer({
    groupId: names.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
  });
  const producer = rawProducer(kafka);
  const errors = { count: 0, samples: [] as string[] };
  try {
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topic: names.topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const at = performance.now();
          const record = decodeRunRecord(message.value);
          if (record.type === RunRecordType.Events) {
            for (const event of record.data.events) {
              if (event.kind === 'text-delta') {
                clock.received(event.delta, at);
              }
            }
          }
        }
      },
    });
    await joined;
    const stopAt = performance.now() + shape.warmupMs + shape.durationMs;
    setTimeout(() => {
      clock.measuring = true;
    }, shape.warmupMs);
    await Promise.all(
      ids.map(async (id, run) => {
        const source = new DeltaSource(shape.deltasPerSec);
        const runId = `run_bench${run}`;
        let nextRunSeq = 1;
        await sleep((shape.flushMs * run) / shape.runs);
        while (performance.now() < stopAt) {
          const tick = performance.now();
          const batch = clock.send();
          const events = source.take(batch);
          const value = encodeRunRecord({
            schema_version: 1,
            event_id: randomUUID(),
            tenant_id: 'default',
            conversation_id: id,
            run_id: runId,
            occurred_at: new Date().toISOString(),
            type: RunRecordType.Events,
            data: { from_run_seq: nextRunSeq, events },
          });
          nextRunSeq += events.length;
          try {
            await producer.send({
              topic: names.topic,
              acks: -1,
              timeout: ACK_TIMEOUT_MS,
              compression: CompressionTypes.None,
              messages: [value],
            });
            clock.acked(batch, events.length);
          } catch (error) {
            errors.count += 1;
            if (errors.samples.length < 5) {
              errors.samples.push((error as Error).message);
            }
          }
          const wait = shape.flushMs - (performance.now() - tick);
          if (wait >= 1) {
            await sleep(wait);
          }
        }
      }),
    );
    await waitUntil(
      async () => clock.receivedDeltas >= clock.ackedDeltas,
      'the raw consumer received every acknowledged delta',
      DRAIN_TIMEOUT_MS,
    ).catch((error: Error) => log(`runs: ${error.message}`));
    clock.measuring = false;
    const latency = clock.latency.summary();
    return {
      latency,
      ack: clock.acks.summary(),
      batches: clock.acks.count,
      deltas: latency.count,
      errors: errors.count,
      errorSamples: errors.samples,
    };
  } finally {
    await Promise.all([producer.disconnect(), consumer.disconnect()]).catch(() => undefined);
    await deleteGroup(kafka, names.groupId);
  }
}

function report(shape: Shape, ours: OursResult, raw: Side): ScenarioResult {
  const headers = [
    'side',
    'batches',
    'deltas received',
    'p50 ms',
    'p99 ms',
    'max ms',
    'p50 ours/raw',
    'p99 ours/raw',
    'ack p50 ms',
    'ack p99 ms',
  ];
  const row = (side: string, s: Side, ratios: [string, string]) => [
    side,
    s.batches,
    s.deltas,
    fmt(s.latency.p50Ms),
    fmt(s.latency.p99Ms),
    fmt(s.latency.maxMs),
    ...ratios,
    fmt(s.ack.p50Ms),
    fmt(s.ack.p99Ms),
  ];
  const rows = [
    row('ours: events POST → WebSocket', ours.side, [
      ratio(ours.side.latency.p50Ms, raw.latency.p50Ms),
      ratio(ours.side.latency.p99Ms, raw.latency.p99Ms),
    ]),
    row('raw: produce → consume', raw, ['', '']),
  ];
  const disorder = ours.order.jumps + ours.order.outOfOrder + ours.order.closed;
  const notes = [
    `${shape.runs} runs, each in its own conversation with ${shape.subscribersPerRun} plain WebSocket client(s); ` +
      `each run's model makes ${shape.deltasPerSec} text deltas/s and its writer sends what was made every ` +
      `${shape.flushMs} ms, one batch in flight per run; ${shape.warmupMs / 1000} s warm-up + ` +
      `${shape.durationMs / 1000} s measured; latency = just before a batch's POST (raw: produce) → a client's ` +
      'receipt of each delta in it, one sample per delta and client',
    'raw = the same batches as bare run.events records: kafkajs producer (idempotent, acks=-1) → kafkajs consumer ' +
      `(eachBatch, maxWaitTimeInMs 250) on a ${PARTITIONS}-partition topic`,
    `order: ${disorder === 0 ? 'OK, ' : 'PROBLEM: '}${ours.order.jumps} run_seq jumps, ${ours.order.outOfOrder} ` +
      `out of order or duplicated, ${ours.order.closed} clients closed (all must be 0)`,
    `mid-run join (${ours.join.caughtUp.count} clients, cursor 0): connect → caught up with the run so far ` +
      `p50 ${fmt(ours.join.caughtUp.p50Ms)} ms, p99 ${fmt(ours.join.caughtUp.p99Ms)} ms; connect → first live ` +
      `delta p50 ${fmt(ours.join.firstLive.p50Ms)} ms, p99 ${fmt(ours.join.firstLive.p99Ms)} ms`,
    `saturation: ${Math.round(ours.saturation.deltasPerSec)} deltas/s accepted (${shape.runs} writers x ` +
      `${shape.saturationBatch} deltas per batch, back to back, ${shape.durationMs / 1000} s; ` +
      `${ours.saturation.batches} batches, ${ours.saturation.errors} refused)`,
  ];
  for (const [side, s] of [
    ['ours', ours.side],
    ['raw', raw],
  ] as const) {
    if (s.errors > 0) {
      notes.push(`${side}: ${s.errors} failed batches, e.g. ${s.errorSamples[0]}`);
    }
  }
  return {
    table: renderTable(headers, rows),
    notes,
    targets: [
      {
        target: 'run event → WebSocket p99 ours/raw',
        reached: ours.side.latency.p99Ms / raw.latency.p99Ms,
        limit: RUNS_P99_TARGET,
      },
    ],
    data: { partitions: PARTITIONS, ...shape, ours, raw },
  };
}
