import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { TopicReadiness } from '@threadline/kafka';
import type { ReadinessService } from '@threadline/observability';
import type { RealtimeConfig } from '../config/realtime.config';
import type { RealtimeMetrics } from '../metrics/realtime-metrics.service';
import { ConversationHub } from './conversation-hub.service';
import { FanoutConsumer } from './fanout-consumer.service';

const EVENTS = { GROUP_JOIN: 'join', FETCH: 'fetch', CRASH: 'crash', DISCONNECT: 'disconnect' };

/** What FanoutConsumer uses of a kafkajs consumer: it records runs and lets the test crash it. */
class FakeConsumer extends EventEmitter {
  readonly events = EVENTS;
  runs = 0;
  connect = jest.fn(async () => undefined);
  subscribe = jest.fn(async () => undefined);
  disconnect = jest.fn(async () => undefined);
  seek = jest.fn();
  async run(): Promise<void> {
    this.runs += 1;
  }
  crash(restart: boolean): void {
    this.emit(EVENTS.CRASH, { payload: { error: new Error('boom'), restart } });
  }
}

function fanout(): { consumer: FanoutConsumer; created: FakeConsumer[] } {
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
  const consumer = new FanoutConsumer(
    kafka,
    { whenReady: async () => undefined } as unknown as TopicReadiness,
    new ConversationHub(),
    {} as RealtimeMetrics,
    { groupPrefix: 'test', kafka: { topic: 't' } } as RealtimeConfig,
    { register: () => undefined } as unknown as ReadinessService,
  );
  return { consumer, created };
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
});
