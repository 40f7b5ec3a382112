import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Kafka } from 'kafkajs';
import { decodeRecord, EventType } from '@threadline/contracts';
import { BenchAuth, createConversations, ServiceFixture } from '../lib/fixture';
import { LatencyHistogram, LatencySummary } from '../lib/histogram';
import { KeepAliveClient } from '../lib/http';
import { OpenLoopResult, runOpenLoop } from '../lib/open-loop';
import { chatMessage } from '../lib/payload';
import { BenchSettings, envNumber, log, Scenario, ScenarioResult } from '../lib/scenario';
import { BenchService, createTopic, kafkaClient } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';
import { waitUntil } from '../lib/wait-until';
import { deleteGroup, rawProbeSender, rawProducer } from '../lib/raw-pipeline';
import { openStreams, StreamClient, terminateAll } from '../lib/ws-streams';

const PARTITIONS = 12;
/** Target: append → WebSocket p99 within this factor of bare produce → consume. */
const DELIVERY_P99_TARGET = 3;
const CONNECT_CONCURRENCY = 100;
const WRITER_SOCKETS = 64;
const ACK_TIMEOUT_MS = 5000;
const DRAIN_TIMEOUT_MS = 30_000;

interface Shape {
  conversations: number;
  subscribersPerConversation: number;
  /** Appends (raw: produces) per second, offered on a fixed schedule. */
  ratePerSec: number;
  warmupMs: number;
  durationMs: number;
}

/** Runs the open loop while sampling this process's event-loop delay (1 ms resolution). */
async function timedOpenLoop(
  shape: Shape,
  send: (probe: number) => Promise<void>,
): Promise<{ loop: OpenLoopResult; benchLoopDelay: Side['benchLoopDelay'] }> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  try {
    const loop = await runOpenLoop(shape.ratePerSec, shape.warmupMs + shape.durationMs, send);
    return { loop, benchLoopDelay: { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 } };
  } finally {
    delay.disable();
  }
}

/** Send times of the appends, by probe number (the index carried in the message metadata). */
class ProbeClock {
  /** Send → receipt, one sample per delivery. */
  readonly histogram = new LatencyHistogram();
  /** Send → acknowledgement of the write (201 / produce ack). */
  readonly acks = new LatencyHistogram();
  private readonly sentAt: Float64Array;
  private readonly measuredFrom: number;

  constructor(shape: Shape) {
    this.sentAt = new Float64Array(Math.floor(((shape.warmupMs + shape.durationMs) * shape.ratePerSec) / 1000));
    this.measuredFrom = Math.floor((shape.warmupMs * shape.ratePerSec) / 1000);
  }

  markSent(probe: number): void {
    this.sentAt[probe] = performance.now();
  }

  acked(probe: number): void {
    if (probe >= this.measuredFrom) {
      this.acks.recordMs(performance.now() - this.sentAt[probe]);
    }
  }

  received(probe: unknown, at: number): void {
    if (typeof probe === 'number' && probe >= this.measuredFrom && probe < this.sentAt.length) {
      this.histogram.recordMs(at - this.sentAt[probe]);
    }
  }
}

interface Side {
  loop: OpenLoopResult;
  latency: LatencySummary;
  ack: LatencySummary;
  deliveries: number;
  /** Deliveries expected: measured appends acknowledged × subscribers per conversation (raw: × 1). */
  expected: number;
  deliveriesPerSec: number;
  /** This process's own event-loop delay while the side ran: it times both sides, so it biases both. */
  benchLoopDelay: { p99Ms: number; maxMs: number };
}

interface Order {
  /** Message or tombstone frames whose seq skipped ahead of the previous one + 1. */
  seqJumps: number;
  /** Frames whose seq was not above the previous one (reordered or duplicated). */
  outOfOrder: number;
  /** `gap` frames (a seq the service gave up on). */
  gapFrames: number;
  tombstones: number;
  /** Frames of any other type (none expected). */
  otherFrames: number;
  /** Clients still behind the acknowledged head of their conversation after the drain. */
  behind: number;
  /** Clients whose connection closed during the run. */
  closed: number;
}

/**
 * What the services spent while the appends ran (warm-up included): CPU seconds of each
 * process (null without /proc). They share the box's cores with Kafka, Redis, Postgres and
 * the bench, so the command's, the projector's and the realtime's CPU all show in the latency.
 */
interface ServicesCost {
  cpuS: Record<'command' | 'projector' | 'realtime', number | null>;
  /** Frames the realtime queued to clients. */
  frames: number;
  /** Appends acknowledged meanwhile. */
  appends: number;
  seconds: number;
}

/** The three services measureOurs appends through and watches. */
interface Services {
  command: BenchService;
  projector: BenchService;
  realtime: BenchService;
}

interface StreamFrame {
  type: string;
  seq?: number;
  message?: { metadata?: { probe?: unknown } };
}

/**
 * End-to-end live delivery: one writer appends through the command at a fixed
 * rate (open loop) to C conversations round-robin, each followed by S plain
 * WebSocket clients in this process; latency runs from just before the POST to
 * each client's receipt of the frame (command → Kafka → realtime → socket). The
 * floor, measured in the same run: a bare idempotent kafkajs producer (acks=all)
 * → a kafkajs consumer on the same broker, same rate, same envelope bytes.
 */
export const deliveryScenario: Scenario = {
  name: 'delivery',
  description: 'append → plain WebSocket delivery to subscribed clients vs bare kafkajs produce → consume',
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const shape = shapeFromEnv(settings);
    const fixture = new ServiceFixture(settings, 'bench-delivery', PARTITIONS, {
      APPEND_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
    });
    const ids = Array.from({ length: shape.conversations }, (_, i) => `${fixture.runId}-c${i}`);
    try {
      const auth = fixture.authenticate();
      const projector = await fixture.start('projector');
      const command = await fixture.start('command');
      const realtime = await fixture.start('realtime');
      await createConversations(command.baseUrl, ids, auth.headers);
      const { side: ours, order, cost } = await measureOurs(shape, ids, { command, projector, realtime }, auth);
      log('delivery: raw kafkajs produce → consume');
      const raw = await measureRaw(shape, ids, kafkaClient(settings.kafkaBrokers, 'threadline-bench-delivery'), {
        topic: fixture.rawTopic,
        groupId: `${fixture.runId}-raw`,
      });
      return report(shape, ours, raw, order, cost);
    } finally {
      await fixture.tearDown(ids);
    }
  },
};

function shapeFromEnv(settings: BenchSettings): Shape {
  const conversations = envNumber('BENCH_DELIVERY_CONVERSATIONS', 100);
  const subscribers = envNumber('BENCH_DELIVERY_SUBSCRIBERS', 1000);
  const subscribersPerConversation = subscribers / conversations;
  if (!Number.isInteger(conversations) || !Number.isInteger(subscribersPerConversation)) {
    throw new Error(
      `BENCH_DELIVERY_SUBSCRIBERS (${subscribers}) must be a multiple of BENCH_DELIVERY_CONVERSATIONS (${conversations})`,
    );
  }
  return {
    conversations,
    subscribersPerConversation,
    ratePerSec: envNumber('BENCH_DELIVERY_RATE', 100),
    warmupMs: settings.warmupMs,
    durationMs: settings.durationMs,
  };
}

async function measureOurs(
  shape: Shape,
  ids: readonly string[],
  services: Services,
  auth: BenchAuth,
): Promise<{ side: Side; order: Order; cost: ServicesCost }> {
  const { command, realtime } = services;
  const clock = new ProbeClock(shape);
  const order: Order = {
    seqJumps: 0,
    outOfOrder: 0,
    gapFrames: 0,
    tombstones: 0,
    otherFrames: 0,
    behind: 0,
    closed: 0,
  };
  const subscriberIds = ids.flatMap((id) => Array.from({ length: shape.subscribersPerConversation }, () => id));
  const lastSeq = new Float64Array(subscriberIds.length);
  const onFrame = (client: StreamClient, text: string, at: number) => {
    const frame = JSON.parse(text) as StreamFrame;
    if ((frame.type === 'message' || frame.type === 'tombstone') && typeof frame.seq === 'number') {
      const last = lastSeq[client.index];
      if (frame.seq <= last) {
        order.outOfOrder += 1;
      } else if (frame.seq > last + 1) {
        order.seqJumps += 1;
      }
      lastSeq[client.index] = Math.max(last, frame.seq);
      if (frame.type === 'message') {
        clock.received(frame.message?.metadata?.probe, at);
      } else {
        order.tombstones += 1;
      }
    } else if (frame.type === 'gap') {
      order.gapFrames += 1;
    } else {
      order.otherFrames += 1;
    }
  };

  log(`delivery: opening ${subscriberIds.length} plain WebSocket clients (cursor 0)`);
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
  const client = new KeepAliveClient(command.baseUrl, WRITER_SOCKETS, auth.headers);
  try {
    await waitUntil(
      async () => (await realtime.metric('threadline_realtime_subscriptions')) >= subscriberIds.length,
      'every client subscribed on the realtime service',
      DRAIN_TIMEOUT_MS,
    );
    log(
      `delivery: ${streams.clients.length} clients open in ${fmt(streams.seconds)} s; appending ` +
        `${shape.ratePerSec}/s for ${(shape.warmupMs + shape.durationMs) / 1000} s`,
    );
    const head = new Map<string, number>();
    const framesBefore = await realtime.metric('threadline_realtime_events_delivered_total');
    const appendsBefore = await command.metric('threadline_command_append_seconds_count');
    const cpuBefore = cpuOf(services);
    const started = performance.now();
    const { loop, benchLoopDelay } = await timedOpenLoop(shape, async (probe) => {
      const id = ids[probe % ids.length];
      clock.markSent(probe);
      const res = await client.expect(201, 'POST', `/v1/conversations/${id}/messages`, {
        message: chatMessage({ probe }),
      });
      clock.acked(probe);
      const { seq } = JSON.parse(res.body) as { seq: number };
      head.set(id, Math.max(head.get(id) ?? 0, seq));
    });
    const caughtUp = () => streams.clients.every((c) => lastSeq[c.index] >= (head.get(c.conversationId) ?? 0));
    await waitUntil(async () => caughtUp(), 'every client received the acknowledged appends', DRAIN_TIMEOUT_MS).catch(
      (error: Error) => log(`delivery: ${error.message}`),
    );
    const cpuAfter = cpuOf(services);
    const appends = (await command.metric('threadline_command_append_seconds_count')) - appendsBefore;
    const seconds = (performance.now() - started) / 1000;
    const frames = (await realtime.metric('threadline_realtime_events_delivered_total')) - framesBefore;
    order.behind = streams.clients.filter((c) => lastSeq[c.index] < (head.get(c.conversationId) ?? 0)).length;
    order.closed = streams.clients.filter((c) => c.closeCode !== null).length;
    const latency = clock.histogram.summary();
    return {
      side: {
        loop,
        latency,
        ack: clock.acks.summary(),
        deliveries: latency.count,
        expected: clock.acks.count * shape.subscribersPerConversation,
        deliveriesPerSec: latency.count / (shape.durationMs / 1000),
        benchLoopDelay,
      },
      order,
      cost: { cpuS: cpuSpent(cpuBefore, cpuAfter), frames, appends, seconds },
    };
  } finally {
    client.close();
    await terminateAll(streams.clients);
  }
}

function cpuOf(services: Services): ServicesCost['cpuS'] {
  return {
    command: services.command.cpuSeconds(),
    projector: services.projector.cpuSeconds(),
    realtime: services.realtime.cpuSeconds(),
  };
}

function cpuSpent(before: ServicesCost['cpuS'], after: ServicesCost['cpuS']): ServicesCost['cpuS'] {
  const spent = (name: keyof ServicesCost['cpuS']) => {
    const [from, to] = [before[name], after[name]];
    return from !== null && to !== null ? to - from : null;
  };
  return { command: spent('command'), projector: spent('projector'), realtime: spent('realtime') };
}

async function measureRaw(
  shape: Shape,
  ids: readonly string[],
  kafka: Kafka,
  names: { topic: string; groupId: string },
): Promise<Side> {
  await createTopic(kafka, names.topic, PARTITIONS);
  const clock = new ProbeClock(shape);
  // Configured like the realtime service's fan-out consumer.
  const consumer = kafka.consumer({
    groupId: names.groupId,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: 250,
  });
  const producer = rawProducer(kafka);
  let received = 0;
  try {
    await Promise.all([producer.connect(), consumer.connect()]);
    await consumer.subscribe({ topic: names.topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const at = performance.now();
          const decoded = decodeRecord(message);
          const event = decoded.kind === 'event' ? decoded.event : null;
          if (event?.type === EventType.MessageAppended) {
            clock.received(event.data.message.metadata?.probe, at);
            received += 1;
          }
        }
      },
    });
    await joined;
    const send = rawProbeSender(producer, names.topic, ids, ACK_TIMEOUT_MS, {
      sent: (probe) => clock.markSent(probe),
      acked: (probe) => clock.acked(probe),
    });
    const { loop, benchLoopDelay } = await timedOpenLoop(shape, send);
    await waitUntil(
      async () => received >= loop.started - loop.errors,
      'the raw consumer received every record',
      DRAIN_TIMEOUT_MS,
    ).catch((error: Error) => log(`delivery: ${error.message}`));
    const latency = clock.histogram.summary();
    return {
      loop,
      latency,
      ack: clock.acks.summary(),
      deliveries: latency.count,
      expected: clock.acks.count,
      deliveriesPerSec: latency.count / (shape.durationMs / 1000),
      benchLoopDelay,
    };
  } finally {
    await Promise.all([producer.disconnect(), consumer.disconnect()]).catch(() => undefined);
    await deleteGroup(kafka, names.groupId);
  }
}

function report(shape: Shape, ours: Side, raw: Side, order: Order, cost: ServicesCost): ScenarioResult {
  const fanOut = `${shape.conversations} conv x ${shape.subscribersPerConversation} subs`;
  const headers = [
    'side',
    'fan-out',
    'appends/s',
    'deliveries',
    'deliveries/s',
    'p50 ms',
    'p99 ms',
    'max ms',
    'p50 ours/raw',
    'p99 ours/raw',
    'ack p50 ms',
    'ack p99 ms',
  ];
  const row = (side: string, shapeText: string, s: Side, ratios: [string, string]) => [
    side,
    shapeText,
    shape.ratePerSec,
    s.deliveries,
    Math.round(s.deliveriesPerSec),
    fmt(s.latency.p50Ms),
    fmt(s.latency.p99Ms),
    fmt(s.latency.maxMs),
    ...ratios,
    fmt(s.ack.p50Ms),
    fmt(s.ack.p99Ms),
  ];
  const rows = [
    row('ours: append → WebSocket', fanOut, ours, [
      ratio(ours.latency.p50Ms, raw.latency.p50Ms),
      ratio(ours.latency.p99Ms, raw.latency.p99Ms),
    ]),
    row('raw: produce → consume', '1 consumer', raw, ['', '']),
  ];
  const disorder = order.seqJumps + order.outOfOrder + order.gapFrames + order.otherFrames + order.behind;
  const notes = [
    `${shape.conversations} conversations x ${shape.subscribersPerConversation} plain WebSocket clients ` +
      `(/v1/conversations/{id}/stream?cursor=0, all in the bench process); one writer appends round-robin at ` +
      `${shape.ratePerSec}/s (open loop), ${shape.warmupMs / 1000} s warm-up + ${shape.durationMs / 1000} s measured; ` +
      'latency = just before the POST → frame received by a client, one sample per delivery; ' +
      'ack = just before the POST → its 201 (raw: → the produce ack)',
    `raw = bare kafkajs producer (idempotent, acks=-1, maxInFlightRequests 1) → kafkajs consumer (eachBatch, ` +
      `maxWaitTimeInMs 250, as the realtime fan-out consumer) on a ${PARTITIONS}-partition topic, same rate and ` +
      'envelope bytes, one sample per record; measured after the WebSocket clients are closed',
    `order: ${disorder === 0 ? 'OK, ' : 'PROBLEM: '}${order.seqJumps} seq jumps, ${order.outOfOrder} out of order or ` +
      `duplicated, ${order.gapFrames} gap frames, ${order.otherFrames} other frames, ${order.behind} clients behind ` +
      `the acknowledged head after the drain, ${order.closed} clients closed (all must be 0); ` +
      `${order.tombstones} tombstones`,
    `deliveries of measured appends: ours ${ours.deliveries} of ${ours.expected} expected, ` +
      `raw ${raw.deliveries} of ${raw.expected}; writer started up to ${fmt(ours.loop.maxLateMs)} ms (ours) / ` +
      `${fmt(raw.loop.maxLateMs)} ms (raw) late`,
    `bench process event-loop delay while each side ran (it times both): ours p99 ${fmt(ours.benchLoopDelay.p99Ms)} ms, ` +
      `max ${fmt(ours.benchLoopDelay.maxMs)} ms; raw p99 ${fmt(raw.benchLoopDelay.p99Ms)} ms, max ${fmt(raw.benchLoopDelay.maxMs)} ms`,
  ];
  const share = (cpuS: number) => `${fmt((cpuS / cost.seconds) * 100)}% of a core`;
  const { command, projector, realtime } = cost.cpuS;
  if (realtime !== null && cost.frames > 0) {
    notes.push(
      `realtime process: ${share(realtime)} while appending and draining (${fmt(cost.seconds)} s, warm-up ` +
        `included), ${fmt((realtime * 1e6) / cost.frames)} µs of CPU per frame queued (${cost.frames} frames)`,
    );
  }
  if (command !== null && projector !== null && cost.appends > 0) {
    notes.push(
      `meanwhile, on the same cores: command ${share(command)} (${fmt((command * 1000) / cost.appends)} ms of CPU per ` +
        `append), projector ${share(projector)} (${fmt((projector * 1000) / cost.appends)} ms per event)`,
    );
  }
  for (const [side, s] of [
    ['ours', ours],
    ['raw', raw],
  ] as const) {
    if (s.loop.errors > 0) {
      notes.push(`${side}: ${s.loop.errors} failed appends, e.g. ${s.loop.errorSamples[0]}`);
    }
  }
  return {
    table: renderTable(headers, rows),
    notes,
    targets: [
      {
        target: 'append → WebSocket p99 ours/raw',
        reached: ours.latency.p99Ms / raw.latency.p99Ms,
        limit: DELIVERY_P99_TARGET,
      },
    ],
    data: { partitions: PARTITIONS, ...shape, ours, raw, order, services: cost },
  };
}
