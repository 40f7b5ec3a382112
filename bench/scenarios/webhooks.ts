import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { decodeRecord, EventType, MessageAppendedEvent } from '@threadline/contracts';
import { BenchDatabase } from '../lib/bench-database';
import { forEachLimited } from '../lib/closed-loop';
import { ServiceFixture } from '../lib/fixture';
import { LatencyHistogram, LatencySummary } from '../lib/histogram';
import { KeepAliveClient } from '../lib/http';
import { OpenLoopResult, runOpenLoop } from '../lib/open-loop';
import { chatMessage } from '../lib/payload';
import { viewOfEvent } from '../../apps/dispatcher/src/delivery/message-view';
import { ProbeLedger, ProbeRange } from '../lib/probe-ledger';
import { deleteGroup, rawProbeSender, rawProducer } from '../lib/raw-pipeline';
import { BenchSettings, envNumber, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService, createTopic, deleteTopics, kafkaClient } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';
import { WebhookReceiver } from '../lib/webhook-receiver';

const PARTITIONS = 12;
const SETUP_CONCURRENCY = 32;
/** Appends (raw: produces) in flight at once during the saturation burst. */
const BURST_CONCURRENCY = 64;
const WRITER_SOCKETS = 128;
const ACK_TIMEOUT_MS = 5000;
const DRAIN_TIMEOUT_MS = 60_000;
const POLL_MS = 20;
const LAG_SAMPLE_MS = 250;
/** The most attempts an agent may ask for (AGENT_LIMITS): no delivery of the outage may go dead. */
const MAX_ATTEMPTS = 20;
/**
 * The dispatcher's retry and circuit settings for the bench (its defaults: a
 * 30 min cap and a 30 s open circuit, made for a receiver that is down for
 * long). With them a 30 s outage could leave deliveries waiting minutes for
 * their next attempt, and the drain would measure the backoff, not the dispatcher.
 */
const DISPATCH_ENV = {
  DISPATCHER_RETRY_CAP_MS: '2000',
  DISPATCHER_CIRCUIT_OPEN_MS: '1000',
};

interface Shape {
  conversations: number;
  agents: number;
  /** Appends (raw: produces) per second in the steady phase and during the outage, offered on a fixed schedule. */
  ratePerSec: number;
  warmupMs: number;
  durationMs: number;
  /** Appends (raw: produces) of the saturation burst. */
  burst: number;
  outageMs: number;
  /** The dispatcher's poll interval when idle (DISPATCHER_POLL_INTERVAL_MS). */
  pollMs: number;
}

/** The probe numbers of each phase, one ledger per side. */
interface Plan {
  steady: ProbeRange;
  measured: ProbeRange;
  burst: ProbeRange;
  outage: ProbeRange;
  total: number;
}

interface Steady {
  loop: OpenLoopResult;
  latency: LatencySummary;
  delivered: number;
  expected: number;
}

interface Saturation {
  /** Writes acknowledged per second, from the first send to the last acknowledgement. */
  writesPerSec: number;
  /** Receipts per second, from the first send to the last receipt. */
  deliveriesPerSec: number;
  delivered: number;
  expected: number;
  /** From the last acknowledgement to the last receipt. */
  tailS: number;
  errors: number;
}

interface Outage {
  loop: OpenLoopResult;
  outageS: number;
  appended: number;
  /** Appended during the outage and not received when the receiver recovered. */
  backlog: number;
  refused: number;
  /** Recovery → the last delivery of the outage received (NaN when not drained). */
  drainS: number;
  delivered: number;
  /** What the backlog would take at the saturated rate: the floor of drainS. */
  backlogAtSaturationS: number;
}

/** Where an append's time to the webhook goes, per measured steady append (wall clocks of one machine). */
interface Stages {
  /** Just before the POST → the event's occurred_at (the command's clock, ms). */
  toEvent: LatencySummary;
  /** occurred_at → the first attempt's started_at: produce, Kafka, the dispatcher's ingest and claim. */
  toAttempt: LatencySummary;
  /** started_at → the request read by the receiver: body, signature, POST. */
  toReceipt: LatencySummary;
}

interface Deliveries {
  byStatus: Record<string, number>;
  attempts: number;
  refusedAttempts: number;
}

/**
 * Webhook delivery end to end: 10 agents registered over the API, each the
 * agent participant of 100 of 1,000 conversations, all pointing at a receiver
 * in this process. Appends go through the command at a fixed rate (open loop)
 * and are timed until their webhook request arrives (command → Kafka →
 * dispatcher → Postgres → POST); next to it, in the same run, a bare kafkajs
 * producer → consumer → HTTP POST of a similar body to the same receiver.
 * Then a burst for deliveries/s at saturation, and a receiver outage with the
 * time the dispatcher takes to drain its backlog after recovery.
 */
export const webhooksScenario: Scenario = {
  name: 'webhooks',
  description: 'append → webhook received (dispatcher) vs bare produce → consume → POST; saturation; outage drain',
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const shape = shapeFromEnv(settings);
    const plan = planOf(shape);
    const ours = new ProbeLedger(plan.total);
    const raw = new ProbeLedger(plan.burst.to);
    const receiver = new WebhookReceiver((path, probe, at) => (path === '/raw' ? raw : ours).received(probe, at));
    const database = await WebhooksDatabase.create(settings.databaseUrl);
    const fixture = new ServiceFixture({ ...settings, databaseUrl: database.url }, 'bench-webhooks', PARTITIONS, {
      APPEND_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
      LIMIT_TENANT_APPENDS_PER_S: String(1_000_000),
      LIMIT_TENANT_APPEND_BYTES_PER_S: String(1024 ** 3),
    });
    const deadLetterTopic = `${fixture.topic}.dead`;
    const ids = Array.from({ length: shape.conversations }, (_, i) => `${fixture.runId}-c${i}`);
    const agentIds = Array.from({ length: shape.agents }, (_, i) => `${fixture.runId}-a${i}`);
    const agentOf = (conversation: number) => agentIds[conversation % agentIds.length];
    try {
      await receiver.start();
      await fixture.start('projector');
      const command = await fixture.start('command');
      await fixture.start('dispatcher', {
        ...DISPATCH_ENV,
        DISPATCHER_POLL_INTERVAL_MS: String(shape.pollMs),
        DISPATCHER_DEAD_LETTER_TOPIC: deadLetterTopic,
        COMMAND_URL: command.baseUrl,
      });
      await setUp(command, receiver, agentIds, ids, agentOf);
      await database.waitForSetUp(ids.length);
      const client = new KeepAliveClient(command.baseUrl, WRITER_SOCKETS);
      try {
        const append = async (probe: number) => {
          ours.markSent(probe);
          await client.expect(201, 'POST', `/v1/conversations/${ids[probe % ids.length]}/messages`, {
            message: chatMessage({ probe }),
          });
          ours.markAcked(probe);
        };
        const sampler = new LagSampler(() => database.ingestLagMs());
        const steady = await measureSteady(shape, plan, ours, append);
        const ingestLag = await sampler.stop();
        const saturation = await measureBurst(plan.burst, ours, append);
        const outage = await measureOutage(shape, plan.outage, ours, receiver, append, saturation);
        const deliveries = await database.deliveries();
        const stages = stagesOf(ours, plan.measured, await database.firstAttempts(plan.measured));
        log('webhooks: raw kafkajs produce → consume → POST');
        const rawSide = await measureRaw(shape, plan, raw, ids, agentOf, {
          kafka: kafkaClient(settings.kafkaBrokers, 'threadline-bench-webhooks'),
          topic: fixture.rawTopic,
          groupId: `${fixture.runId}-raw`,
          url: receiver.url('/raw'),
        });
        return report(
          shape,
          { steady, stages, ingestLag, saturation, outage, deliveries, duplicates: ours.duplicates },
          rawSide,
        );
      } finally {
        client.close();
      }
    } finally {
      await fixture.tearDown();
      await deleteTopics(kafkaClient(settings.kafkaBrokers, 'threadline-bench-webhooks'), [deadLetterTopic]);
      await receiver.stop();
      await database.drop();
    }
  },
};

function shapeFromEnv(settings: BenchSettings): Shape {
  const conversations = envNumber('BENCH_WEBHOOK_CONVERSATIONS', 1000);
  const agents = envNumber('BENCH_WEBHOOK_AGENTS', 10);
  if (!Number.isInteger(conversations) || !Number.isInteger(agents) || agents > conversations) {
    throw new Error(
      `BENCH_WEBHOOK_CONVERSATIONS (${conversations}) and BENCH_WEBHOOK_AGENTS (${agents}) must be integers, agents ≤ conversations`,
    );
  }
  return {
    conversations,
    agents,
    ratePerSec: envNumber('BENCH_WEBHOOK_RATE', 100),
    warmupMs: settings.warmupMs,
    durationMs: settings.durationMs,
    burst: Math.floor(envNumber('BENCH_WEBHOOK_BURST', 5000)),
    outageMs: envNumber('BENCH_WEBHOOK_OUTAGE_S', 30) * 1000,
    pollMs: Math.floor(envNumber('BENCH_WEBHOOK_POLL_MS', 200)),
  };
}

function planOf(shape: Shape): Plan {
  const steadyEnd = Math.floor(((shape.warmupMs + shape.durationMs) * shape.ratePerSec) / 1000);
  const burstEnd = steadyEnd + shape.burst;
  const outageEnd = burstEnd + Math.floor((shape.outageMs * shape.ratePerSec) / 1000);
  return {
    steady: { from: 0, to: steadyEnd },
    measured: { from: Math.floor((shape.warmupMs * shape.ratePerSec) / 1000), to: steadyEnd },
    burst: { from: steadyEnd, to: burstEnd },
    outage: { from: burstEnd, to: outageEnd },
    total: outageEnd,
  };
}

/**
 * A database of its own for the scenario (a BenchDatabase) with the queries it measures by: the dispatcher
 * claims every due delivery of its database (instances share the work), so in a database other scenarios
 * use it would also take, and be slowed by, deliveries they left pending.
 */
class WebhooksDatabase {
  private constructor(private readonly database: BenchDatabase) {}

  static async create(serverUrl: string): Promise<WebhooksDatabase> {
    return new WebhooksDatabase(await BenchDatabase.create(serverUrl, 'webhooks'));
  }

  get url(): string {
    return this.database.url;
  }

  drop(): Promise<void> {
    return this.database.drop();
  }

  /** Waits until the projector and the dispatcher have taken in every conversation and its participant. */
  async waitForSetUp(conversations: number): Promise<void> {
    await this.waitFor(
      `SELECT (SELECT count(*) FROM conversations) >= $1 AND (SELECT count(*) FROM dispatch_participants) >= $1 AS done`,
      [conversations],
      'the projector and the dispatcher took in every conversation',
    );
  }

  /** Now − the newest delivery's event time: how far the dispatcher's ingest trails appends arriving steadily. */
  async ingestLagMs(): Promise<number> {
    const db = new Client({ connectionString: this.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ lag: string | null }>(
        'SELECT extract(epoch FROM clock_timestamp() - max(created_at)) * 1000 AS lag FROM deliveries',
      );
      return Number(rows[0].lag ?? NaN);
    } finally {
      await db.end();
    }
  }

  /** Deliveries by status and their attempts (503s apart), once none is pending or replying (or after a while). */
  async deliveries(): Promise<Deliveries> {
    await this.waitFor(
      "SELECT NOT EXISTS (SELECT 1 FROM deliveries WHERE status IN ('pending', 'replying')) AS done",
      [],
      'no delivery is pending',
    ).catch((error: Error) => log(`webhooks: ${error.message}`));
    const db = new Client({ connectionString: this.url });
    await db.connect();
    try {
      const statuses = await db.query<{ status: string; n: string }>(
        'SELECT status, count(*) AS n FROM deliveries GROUP BY status',
      );
      const [attempts] = (
        await db.query<{ all: string; refused: string }>(
          'SELECT count(*) AS all, count(*) FILTER (WHERE http_status = 503) AS refused FROM delivery_attempts',
        )
      ).rows;
      return {
        byStatus: Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)])),
        attempts: Number(attempts.all),
        refusedAttempts: Number(attempts.refused),
      };
    } finally {
      await db.end();
    }
  }

  /** Per probe of the range: its delivery's created_at (the event's time) and when its first attempt started. */
  async firstAttempts(range: ProbeRange): Promise<Map<number, { eventAt: number; attemptAt: number }>> {
    const db = new Client({ connectionString: this.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ probe: number; event_at: number; attempt_at: number }>(
        `SELECT (m.message->'metadata'->>'probe')::int AS probe,
                extract(epoch FROM d.created_at) * 1000 AS event_at,
                extract(epoch FROM a.started_at) * 1000 AS attempt_at
         FROM deliveries d
         JOIN delivery_attempts a ON a.delivery_id = d.id AND a.attempt = 1
         CROSS JOIN LATERAL jsonb_array_elements(d.messages) AS m(message)
         WHERE (m.message->'metadata'->>'probe')::int >= $1 AND (m.message->'metadata'->>'probe')::int < $2`,
        [range.from, range.to],
      );
      return new Map(rows.map((r) => [r.probe, { eventAt: Number(r.event_at), attemptAt: Number(r.attempt_at) }]));
    } finally {
      await db.end();
    }
  }

  private async waitFor(sql: string, params: unknown[], what: string): Promise<void> {
    const db = new Client({ connectionString: this.url });
    await db.connect();
    try {
      const deadline = performance.now() + DRAIN_TIMEOUT_MS;
      while (!(await db.query<{ done: boolean }>(sql, params)).rows[0].done) {
        if (performance.now() > deadline) {
          throw new Error(`timed out after ${DRAIN_TIMEOUT_MS / 1000} s waiting until ${what}`);
        }
        await sleep(100);
      }
    } finally {
      await db.end();
    }
  }
}

/** Registers the agents (POST /v1/agents) and names one of them in each conversation (PUT, participants). */
async function setUp(
  command: BenchService,
  receiver: WebhookReceiver,
  agentIds: readonly string[],
  ids: readonly string[],
  agentOf: (conversation: number) => string,
): Promise<void> {
  const started = performance.now();
  const client = new KeepAliveClient(command.baseUrl, SETUP_CONCURRENCY);
  try {
    for (const id of agentIds) {
      await client.expect(201, 'POST', '/v1/agents', {
        id,
        webhook_url: receiver.url(`/hooks/${id}`),
        max_attempts: MAX_ATTEMPTS,
      });
    }
    const indexes = ids.map((_, i) => i);
    await forEachLimited(indexes, SETUP_CONCURRENCY, async (i) => {
      const res = await client.request('PUT', `/v1/conversations/${ids[i]}`, {
        metadata: { bench: true },
        participants: [{ id: agentOf(i), kind: 'agent' }],
      });
      if (res.status !== 200 && res.status !== 201) {
        throw new Error(`PUT /v1/conversations/${ids[i]}: ${res.status} ${res.body.slice(0, 200)}`);
      }
    });
  } finally {
    client.close();
  }
  log(
    `webhooks: ${agentIds.length} agents and ${ids.length} conversations with an agent participant in ` +
      `${fmt((performance.now() - started) / 1000)} s`,
  );
}

async function measureSteady(
  shape: Shape,
  plan: Plan,
  ledger: ProbeLedger,
  write: (probe: number) => Promise<void>,
): Promise<Steady> {
  log(`webhooks: ${shape.ratePerSec}/s for ${(shape.warmupMs + shape.durationMs) / 1000} s`);
  const loop = await runOpenLoop(shape.ratePerSec, shape.warmupMs + shape.durationMs, (i) =>
    write(plan.steady.from + i),
  );
  await waitUntilReceived(ledger, plan.steady, 'steady');
  return {
    loop,
    latency: ledger.latency(plan.measured),
    delivered: ledger.receivedIn(plan.measured),
    expected: ledger.ackedIn(plan.measured),
  };
}

/** As many writes as BURST_CONCURRENCY workers get through, then until every one is received. */
async function measureBurst(
  range: ProbeRange,
  ledger: ProbeLedger,
  write: (probe: number) => Promise<void>,
): Promise<Saturation> {
  log(`webhooks: burst of ${range.to - range.from}, ${BURST_CONCURRENCY} in flight`);
  const probes = Array.from({ length: range.to - range.from }, (_, i) => range.from + i);
  let errors = 0;
  const started = performance.now();
  await forEachLimited(probes, BURST_CONCURRENCY, (probe) =>
    write(probe).catch(() => {
      errors += 1;
    }),
  );
  const written = performance.now();
  await waitUntilReceived(ledger, range, 'burst');
  const { last } = ledger.receiptSpan(range);
  const delivered = ledger.receivedIn(range);
  const expected = ledger.ackedIn(range);
  return {
    writesPerSec: expected / ((written - started) / 1000),
    deliveriesPerSec: delivered / ((last - started) / 1000),
    delivered,
    expected,
    tailS: (last - written) / 1000,
    errors,
  };
}

async function measureOutage(
  shape: Shape,
  range: ProbeRange,
  ledger: ProbeLedger,
  receiver: WebhookReceiver,
  append: (probe: number) => Promise<void>,
  saturation: Saturation,
): Promise<Outage> {
  log(`webhooks: receiver answers 503 for ${shape.outageMs / 1000} s while appends go on at ${shape.ratePerSec}/s`);
  const refusedBefore = receiver.refused;
  receiver.outage = true;
  const down = performance.now();
  const loop = await runOpenLoop(shape.ratePerSec, shape.outageMs, (i) => append(range.from + i));
  receiver.outage = false;
  const recovered = performance.now();
  const appended = ledger.ackedIn(range);
  const backlog = appended - ledger.receivedBefore(range, recovered);
  log(`webhooks: receiver back after ${fmt((recovered - down) / 1000)} s, backlog ${backlog}`);
  const drained = await waitUntilReceived(ledger, range, 'outage backlog');
  return {
    loop,
    outageS: (recovered - down) / 1000,
    appended,
    backlog,
    refused: receiver.refused - refusedBefore,
    drainS: drained ? (ledger.receiptSpan(range).last - recovered) / 1000 : NaN,
    delivered: ledger.receivedIn(range),
    backlogAtSaturationS: backlog / saturation.deliveriesPerSec,
  };
}

/** Samples a lag every LAG_SAMPLE_MS until stopped, warm-up included. */
class LagSampler {
  private readonly histogram = new LatencyHistogram();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(sample: () => Promise<number>) {
    this.loop = (async () => {
      while (this.running) {
        const lag = await sample().catch(() => NaN);
        if (Number.isFinite(lag)) {
          this.histogram.recordMs(lag);
        }
        await sleep(LAG_SAMPLE_MS);
      }
    })();
  }

  async stop(): Promise<LatencySummary> {
    this.running = false;
    await this.loop;
    return this.histogram.summary();
  }
}

function stagesOf(
  ledger: ProbeLedger,
  range: ProbeRange,
  attempts: Map<number, { eventAt: number; attemptAt: number }>,
): Stages {
  const [toEvent, toAttempt, toReceipt] = [new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram()];
  for (let probe = range.from; probe < range.to; probe += 1) {
    const attempt = attempts.get(probe);
    const { sent, received } = ledger.timesOf(probe);
    if (attempt === undefined || received === 0) {
      continue;
    }
    toEvent.recordMs(attempt.eventAt - (performance.timeOrigin + sent));
    toAttempt.recordMs(attempt.attemptAt - attempt.eventAt);
    toReceipt.recordMs(performance.timeOrigin + received - attempt.attemptAt);
  }
  return { toEvent: toEvent.summary(), toAttempt: toAttempt.summary(), toReceipt: toReceipt.summary() };
}

interface RawSide {
  steady: Steady;
  saturation: Saturation;
}

/**
 * The floor: a bare idempotent kafkajs producer (acks=-1) → a kafkajs consumer
 * on its own topic → for each record a fetch POST (the dispatcher's HTTP
 * client) of a body shaped like a delivery's, unsigned, to the same receiver;
 * the records of a batch are posted concurrently.
 */
async function measureRaw(
  shape: Shape,
  plan: Plan,
  ledger: ProbeLedger,
  ids: readonly string[],
  agentOf: (conversation: number) => string,
  names: { kafka: Kafka; topic: string; groupId: string; url: string },
): Promise<RawSide> {
  const { kafka } = names;
  await createTopic(kafka, names.topic, PARTITIONS);
  const consumer = kafka.consumer({
    groupId: names.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
  });
  const producer = rawProducer(kafka);
  const agentByConversation = new Map(ids.map((id, i) => [id, agentOf(i)]));
  const post = async (event: MessageAppendedEvent) => {
    const res = await fetch(names.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': event.event_id },
      body: JSON.stringify(rawBody(event, agentByConversation.get(event.conversation_id) ?? '')),
    });
    await res.arrayBuffer();
  };
  try {
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topic: names.topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false,
      eachBatch: async (payload) => {
        const events = payload.batch.messages
          .map((message) => decodeRecord(message))
          .flatMap((decoded) =>
            decoded.kind === 'event' && decoded.event.type === EventType.MessageAppended ? [decoded.event] : [],
          );
        await Promise.all(events.map((event) => post(event).catch(() => undefined)));
        await payload.heartbeat();
      },
    });
    await joined;
    const produce = rawProbeSender(producer, names.topic, ids, ACK_TIMEOUT_MS, {
      sent: (probe) => ledger.markSent(probe),
      acked: (probe) => ledger.markAcked(probe),
    });
    const steady = await measureSteady(shape, plan, ledger, produce);
    const saturation = await measureBurst(plan.burst, ledger, produce);
    return { steady, saturation };
  } finally {
    await Promise.all([producer.disconnect(), consumer.disconnect()]).catch(() => undefined);
    await deleteGroup(kafka, names.groupId);
  }
}

/** A body shaped like the dispatcher's (docs/agents.md): the message in the public read shape, no history. */
function rawBody(event: MessageAppendedEvent, agentId: string) {
  return {
    type: 'conversation.messages',
    delivery_id: event.event_id,
    agent_id: agentId,
    conversation: { id: event.conversation_id, metadata: { bench: true }, version: event.seq, last_seq: event.seq },
    messages: [viewOfEvent(event)],
    history: [],
  };
}

/** True once every acknowledged probe of the range is received; false (logged) after DRAIN_TIMEOUT_MS. */
async function waitUntilReceived(ledger: ProbeLedger, range: ProbeRange, what: string): Promise<boolean> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (!ledger.allReceived(range)) {
    if (performance.now() > deadline) {
      log(
        `webhooks: ${what}: ${ledger.ackedIn(range) - ledger.receivedIn(range)} acknowledged writes still not ` +
          `received after ${DRAIN_TIMEOUT_MS / 1000} s`,
      );
      return false;
    }
    await sleep(POLL_MS);
  }
  return true;
}

interface OursSide {
  steady: Steady;
  stages: Stages;
  ingestLag: LatencySummary;
  saturation: Saturation;
  outage: Outage;
  deliveries: Deliveries;
  duplicates: number;
}

function report(shape: Shape, ours: OursSide, raw: RawSide): ScenarioResult {
  const latencyTable = renderTable(
    ['steady', 'appends/s', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'p50 ours/raw', 'p99 ours/raw'],
    [
      [
        'ours: append → webhook',
        shape.ratePerSec,
        `${ours.steady.delivered}/${ours.steady.expected}`,
        fmt(ours.steady.latency.p50Ms),
        fmt(ours.steady.latency.p99Ms),
        fmt(ours.steady.latency.maxMs),
        ratio(ours.steady.latency.p50Ms, raw.steady.latency.p50Ms),
        ratio(ours.steady.latency.p99Ms, raw.steady.latency.p99Ms),
      ],
      [
        'raw: produce → consume → POST',
        shape.ratePerSec,
        `${raw.steady.delivered}/${raw.steady.expected}`,
        fmt(raw.steady.latency.p50Ms),
        fmt(raw.steady.latency.p99Ms),
        fmt(raw.steady.latency.maxMs),
        '',
        '',
      ],
    ],
  );
  const stage = (name: string, l: LatencySummary) => [name, l.count, fmt(l.p50Ms), fmt(l.p99Ms), fmt(l.maxMs)];
  const stagesTable = renderTable(
    ['ours, by stage (steady)', 'samples', 'p50 ms', 'p99 ms', 'max ms'],
    [
      stage('POST → event occurred_at', ours.stages.toEvent),
      stage('occurred_at → attempt 1 started', ours.stages.toAttempt),
      stage('  of which ingest lag (sampled)', ours.ingestLag),
      stage('attempt started → received', ours.stages.toReceipt),
    ],
  );
  const saturationRow = (side: string, s: Saturation, ratios: string) => [
    side,
    `${s.delivered}/${s.expected}`,
    Math.round(s.writesPerSec),
    Math.round(s.deliveriesPerSec),
    ratios,
    fmt(s.tailS),
  ];
  const saturationTable = renderTable(
    ['saturation', 'delivered', 'writes/s', 'deliveries/s', 'deliveries/s ours/raw', 'tail s'],
    [
      saturationRow(
        'ours: burst of appends',
        ours.saturation,
        ratio(ours.saturation.deliveriesPerSec, raw.saturation.deliveriesPerSec),
      ),
      saturationRow('raw: burst of produces', raw.saturation, ''),
    ],
  );
  const o = ours.outage;
  const outageTable = renderTable(
    ['outage', 'appended', 'backlog', '503s', 'drain s', 'backlog / saturated rate s', 'drain / that', 'delivered'],
    [
      [
        `receiver 503 for ${fmt(o.outageS)} s`,
        o.appended,
        o.backlog,
        o.refused,
        fmt(o.drainS),
        fmt(o.backlogAtSaturationS),
        Number.isFinite(o.drainS) ? ratio(o.drainS, o.backlogAtSaturationS) : '-',
        `${o.delivered}/${o.appended}`,
      ],
    ],
  );
  const statuses = Object.entries(ours.deliveries.byStatus)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const notes = [
    `${shape.agents} agents (POST /v1/agents, max_attempts ${MAX_ATTEMPTS}, debounce 0, history none), each the agent ` +
      `participant of ${shape.conversations / shape.agents} of ${shape.conversations} conversations; one writer appends ` +
      `round-robin at ${shape.ratePerSec}/s (open loop), ${shape.warmupMs / 1000} s warm-up + ` +
      `${shape.durationMs / 1000} s measured; latency = just before the POST of the append → the webhook request ` +
      'fully read by the receiver (node:http in the bench process, 200 with an empty body), first receipt per message',
    "by stage: from the run's database, per measured append (deliveries.created_at is the event's occurred_at, " +
      'stamped by the command; delivery_attempts.started_at of attempt 1, stamped by Postgres when the dispatcher ' +
      'claims it); one machine, so one wall clock; the occurred_at → attempt stage holds the produce, the broker, ' +
      "the ingest transaction and the wait for a claim; ingest lag = now − the newest delivery's event time, " +
      `sampled every ${LAG_SAMPLE_MS} ms while appending (at ${shape.ratePerSec}/s the newest event is at most ` +
      `${fmt(1000 / shape.ratePerSec)} ms old): how far the ingest trails; the rest of the stage is the wait for a claim`,
    `raw = bare kafkajs producer (idempotent, acks=-1) → kafkajs consumer (eachBatch, maxWaitTimeInMs 250) on a ` +
      `${PARTITIONS}-partition topic → fetch POST of a delivery-shaped body (unsigned, no Postgres, no per-pair ` +
      'order: a batch is posted concurrently) to the same receiver, same rate; measured after our phases',
    `saturation: ${shape.burst} writes, ${BURST_CONCURRENCY} in flight (as fast as the command / the broker takes ` +
      'them); deliveries/s = received ÷ (first send → last receipt); tail = last acknowledgement → last receipt. ' +
      'When deliveries/s ≈ writes/s the writer, not the delivery path, set the pace',
    `outage: the receiver answers 503 to everything for BENCH_WEBHOOK_OUTAGE_S while appends go on at ` +
      `${shape.ratePerSec}/s; drain = recovery → the last of those appends received; "backlog / saturated rate" ` +
      "is the least that drain could take at the burst's deliveries/s",
    `dispatcher: ${Object.entries(DISPATCH_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')} (defaults 1,800,000 and 30,000: after a 30 s outage a delivery could wait minutes for its next ` +
      'attempt and the open circuit 30 s for its probe, so the drain would measure the backoff); ' +
      `DISPATCHER_POLL_INTERVAL_MS=${shape.pollMs} (BENCH_WEBHOOK_POLL_MS); concurrency 64, 16 per agent ` +
      '(defaults); its own database, migrated for the run and dropped',
    `deliveries: ${statuses || 'none'}; ${ours.deliveries.attempts} attempts, ${ours.deliveries.refusedAttempts} ` +
      `answered 503; ${ours.duplicates} messages received more than once (at least once: a repeat carries the same ` +
      'webhook-id)',
  ];
  for (const [side, loop] of [
    ['ours steady', ours.steady.loop],
    ['ours outage', ours.outage.loop],
    ['raw steady', raw.steady.loop],
  ] as const) {
    if (loop.errors > 0) {
      notes.push(`${side}: ${loop.errors} failed writes, e.g. ${loop.errorSamples[0]}`);
    }
  }
  for (const [side, s] of [
    ['ours', ours.saturation],
    ['raw', raw.saturation],
  ] as const) {
    if (s.errors > 0) {
      notes.push(`${side} burst: ${s.errors} failed writes`);
    }
  }
  if (!Number.isFinite(o.drainS)) {
    notes.push(`outage: NOT DRAINED within ${DRAIN_TIMEOUT_MS / 1000} s of recovery`);
  }
  return {
    table: [latencyTable, stagesTable, saturationTable, outageTable].join('\n\n'),
    notes,
    data: { partitions: PARTITIONS, dispatcherEnv: DISPATCH_ENV, ...shape, ours, raw },
  };
}
