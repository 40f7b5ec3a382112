import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { encodeEvent, encodeIndexFence, type ConversationEvent } from '@threadline/contracts';
import type { TopicReadiness } from '@threadline/kafka';
import type { ReadinessService } from '@threadline/observability';
import type { RealtimeConfig } from '../config/realtime.config';
import type { RealtimeMetrics } from '../metrics/realtime-metrics.service';
import { ConversationHub } from './conversation-hub.service';
import { FanoutConsumer } from './fanout-consumer.service';
import type { FanoutStart } from './fanout-start.service';

const EVENTS = { GROUP_JOIN: 'join', FETCH: 'fetch', CRASH: 'crash', DISCONNECT: 'disconnect' };

/** What FanoutConsumer uses of a kafkajs consumer: it records runs and lets the test crash it. */
class FakeConsumer extends EventEmitter {
  readonly events = EVENTS;
  runs = 0;
  connect = jest.fn(async () => undefined);
  subscribe = jest.fn(async () => undefined);
  disconnect = jest.fn(async () => undefined);
  seek = jest.fn();
  eachBatch: ((payload: EachBatchPayload) => Promise<void>) | null = null;
  async run(options: { eachBatch: (payload: EachBatchPayload) => Promise<void> }): Promise<void> {
    this.runs += 1;
    this.eachBatch = options.eachBatch;
  }
  crash(restart: boolean): void {
    this.emit(EVENTS.CRASH, { payload: { error: new Error('boom'), restart } });
  }
}

interface Fixture {
  consumer: FanoutConsumer;
  created: FakeConsumer[];
  hub: ConversationHub;
  fenced: jest.Mock;
}

function fanout(start = { nextOffset: 0, indexFence: 0 }): Fixture {
  const created: FakeConsumer[] = [];
  const kafka = {
    consumer: () => {
      const fake = new FakeConsumer();
      created.push(fake);
      return fake;
    },
    admin: () => ({
      connect: async () => undefined,
      deleteGroups: async () => undefined,
      disconnect: async () => undefined,
    }),
  } as unknown as Kafka;
  const hub = new ConversationHub();
  const fenced = jest.fn();
  const consumer = new FanoutConsumer(
    kafka,
    { whenReady: async () => undefined } as unknown as TopicReadiness,
    hub,
    { of: async () => start } as unknown as FanoutStart,
    { fenced: { inc: fenced }, poison: { inc: jest.fn() } } as unknown as RealtimeMetrics,
    { groupPrefix: 'test', kafka: { topic: 't' } } as RealtimeConfig,
    { register: () => undefined } as unknown as ReadinessService,
  );
  return { consumer, created, hub, fenced };
}

function appended(seq: number, epoch: number): ConversationEvent {
  return {
    schema_version: 2,
    tenant_id: 'default',
    event_id: '7b0c7f5e-5d2c-4a4e-9d55-2f1a7f0c1a11',
    conversation_id: 'a',
    occurred_at: '2026-11-23T12:00:00.000Z',
    index_epoch: epoch,
    type: 'message.appended',
    seq,
    data: {
      version: seq,
      message: { role: 'user', parts: [{ type: 'text', text: `epoch ${epoch}` }], metadata: {} },
      producer_id: null,
      producer_seq: null,
      actor: null,
    },
  };
}

const fenceValue = (epoch: number) =>
  encodeIndexFence({
    schema_version: 1,
    event_id: '0b0c7f5e-5d2c-4a4e-9d55-2f1a7f0c1a11',
    type: 'index.fenced',
    occurred_at: '2026-11-23T12:00:00.000Z',
    index_epoch: epoch,
  }).value;

/** A batch of partition 0 whose records start at `firstOffset`. */
function batch(firstOffset: number, values: Buffer[]): EachBatchPayload {
  const messages = values.map((value, i) => ({
    offset: String(firstOffset + i),
    value,
    key: null,
    timestamp: '1764460800000',
  }));
  return {
    batch: { topic: 't', partition: 0, messages, firstOffset: () => messages[0]?.offset ?? null },
    isRunning: () => true,
    isStale: () => false,
    heartbeat: async () => undefined,
  } as unknown as EachBatchPayload;
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('FanoutConsumer', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']);
  });

  it('starts a new consumer after a crash kafkajs does not restart itself from', async () => {
    const { consumer, created } = fanout();
    consumer.onApplicationBootstrap();
    await settled();
    expect(created.map((c) => c.runs)).toEqual([1]);
    created[0].crash(false);
    await settled();
    expect(created.map((c) => c.runs)).toEqual([1, 1]);
    await consumer.onApplicationShutdown();
  });

  it('leaves a crash kafkajs restarts itself to kafkajs', async () => {
    const { consumer, created } = fanout();
    consumer.onApplicationBootstrap();
    await settled();
    created[0].crash(true);
    await settled();
    expect(created).toHaveLength(1);
    await consumer.onApplicationShutdown();
  });

  it('starts nothing after a crash during shutdown', async () => {
    const { consumer, created } = fanout();
    consumer.onApplicationBootstrap();
    await settled();
    await consumer.onApplicationShutdown();
    created[0].crash(false);
    await settled();
    expect(created).toHaveLength(1);
    expect(created[0].disconnect).toHaveBeenCalled();
  });

  it("goes back to the projector's position on a partition's first batch and applies the fence rule from its fence", async () => {
    const { consumer, created, hub, fenced } = fanout({ nextOffset: 5, indexFence: 2 });
    const delivered: [number, string][] = [];
    hub.subscribe('a', (entry) =>
      delivered.push([
        entry.seq,
        entry.kind === 'message' ? (entry.message.parts[0] as { text: string }).text : entry.kind,
      ]),
    );
    consumer.onApplicationBootstrap();
    await settled();
    const kafka = created[0];
    await kafka.eachBatch?.(batch(9, [encodeEvent(appended(4, 1)).value]));
    expect(kafka.seek).toHaveBeenCalledWith({ topic: 't', partition: 0, offset: '5' });
    expect(delivered).toEqual([]);
    await kafka.eachBatch?.(
      batch(5, [
        encodeEvent(appended(3, 1)).value,
        encodeEvent(appended(3, 2)).value,
        fenceValue(3),
        encodeEvent(appended(4, 2)).value,
        encodeEvent(appended(4, 3)).value,
      ]),
    );
    expect(delivered).toEqual([
      [3, 'epoch 2'],
      [4, 'epoch 3'],
    ]);
    expect(fenced).toHaveBeenCalledTimes(2);
    await consumer.onApplicationShutdown();
  });
});
