import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { Consumer, Kafka, TopicReadiness } from '@threadline/kafka';
import { MetricsService, ReadinessService } from '@threadline/observability';
import { RealtimeMetrics } from '../metrics/realtime-metrics';
import { InstanceGroupConsumer } from './instance-group-consumer';
import { PartitionPositions } from './partition-positions';

/** A kafkajs consumer that joins and never hands over a batch: a consumer stuck on its partitions. */
class StuckConsumer {
  readonly events = { GROUP_JOIN: 'join', FETCH: 'fetch', CRASH: 'crash', DISCONNECT: 'disconnect' };
  disconnected = false;
  readonly seeks: Array<{ topic: string; partition: number; offset: string }> = [];
  private readonly listeners = new Map<string, (event: unknown) => void>();

  on(event: string, listener: (event: unknown) => void): void {
    this.listeners.set(event, listener);
  }
  connect(): Promise<void> {
    return Promise.resolve();
  }
  subscribe(): Promise<void> {
    return Promise.resolve();
  }
  run(): Promise<void> {
    this.listeners.get('join')?.({ payload: { memberAssignment: { t: [0] } } });
    this.listeners.get('fetch')?.({});
    return Promise.resolve();
  }
  seek(target: { topic: string; partition: number; offset: string }): void {
    this.seeks.push(target);
  }
  disconnect(): Promise<void> {
    this.disconnected = true;
    return Promise.resolve();
  }
}

/** Kafka whose topic `t` ends at `end()` in partition 0 and begins at `earliest`, and whose consumers are StuckConsumers. */
function fakeKafka(
  end: () => number,
  earliest: number,
): { kafka: Kafka; consumers: StuckConsumer[]; endReads: () => number } {
  const consumers: StuckConsumer[] = [];
  let reads = 0;
  const kafka = {
    consumer: () => {
      const consumer = new StuckConsumer();
      consumers.push(consumer);
      return consumer as unknown as Consumer;
    },
    admin: () => ({
      connect: () => Promise.resolve(),
      disconnect: () => Promise.resolve(),
      fetchTopicOffsets: () => {
        reads += 1;
        return Promise.resolve([{ partition: 0, low: String(earliest), high: String(end()) }]);
      },
    }),
  } as unknown as Kafka;
  return { kafka, consumers, endReads: () => reads };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !condition(); await sleep(5)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
  }
}

/**
 * A started group over a partition 0 that ends at `end()` and begins at `earliest`, its position at offset 10
 * (none when `placed` is false), its consumers stuck (StuckConsumer): what a test reads afterwards.
 */
function startedGroup(end: () => number, placed = true, earliest = 0) {
  const { kafka, consumers, endReads } = fakeKafka(end, earliest);
  const positions = new PartitionPositions();
  if (placed) {
    positions.start(0, { nextOffset: 10, indexFence: 0 }, '10');
  }
  const metrics = new RealtimeMetrics(new MetricsService({ service: 'realtime', logLevel: 'info' }));
  const topic = { whenReady: () => Promise.resolve() } as unknown as TopicReadiness;
  const consumer = new InstanceGroupConsumer(
    kafka,
    topic,
    new ReadinessService(),
    metrics,
    {
      topic: 't',
      groupId: 'g',
      readinessName: 'kafka',
      maxWaitTimeInMs: 10,
      positions,
      stallAfterMs: 60,
      onBatch: () => Promise.resolve(),
    },
    new Logger('test'),
  );
  consumer.start();
  return { consumer, consumers, positions, metrics, endReads };
}

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('InstanceGroupConsumer', () => {
  it('starts a new consumer when a partition has records past its position and no progress, keeping the position to go back to', async () => {
    const { consumer, consumers, positions, metrics } = startedGroup(() => 20);
    await until('a second consumer', () => consumers.length >= 2);
    await consumer.stop();
    expect(consumers[0].disconnected).toBe(true);
    expect((await metrics.consumerRestarts.get()).values[0]).toMatchObject({ value: 1, labels: { topic: 't' } });
    expect(positions.nextOffsets()).toEqual(new Map([[0, 10]]));
    expect(consumers[1].seeks).toEqual([{ topic: 't', partition: 0, offset: '10' }]);
  });

  it('seeks each partition to its position when the group joins, so what was produced meanwhile comes with nothing newer', async () => {
    const { consumer, consumers } = startedGroup(() => 10);
    await until('a join', () => consumers[0]?.seeks.length === 1);
    await consumer.stop();
    expect(consumers[0].seeks).toEqual([{ topic: 't', partition: 0, offset: '10' }]);
  });

  it('starts a new consumer at the offset a partition without a position was first seen at, when records past it never come', async () => {
    let end = 5;
    const { consumer, consumers, metrics, endReads } = startedGroup(() => end, false);
    await until('a progress check', () => endReads() > 0);
    end = 8;
    await until('a second consumer', () => consumers.length >= 2);
    await consumer.stop();
    expect(consumers[1].seeks).toEqual([{ topic: 't', partition: 0, offset: '5' }]);
    expect((await metrics.consumerRestarts.get()).values[0]).toMatchObject({ value: 1 });
  });

  it('forgets a position past the end of the partition, so the new consumer starts where the projector stands', async () => {
    const { consumer, consumers, positions } = startedGroup(() => 5);
    await until('a second consumer', () => consumers.length >= 2);
    await consumer.stop();
    expect(positions.plan(0, ['5'])).toEqual({ kind: 'locate' });
  });

  it('forgets a position retention passed, so the new consumer starts where the projector stands', async () => {
    const { consumer, consumers, positions } = startedGroup(() => 30, true, 20);
    await until('a second consumer', () => consumers.length >= 2);
    await consumer.stop();
    expect(positions.plan(0, ['30'])).toEqual({ kind: 'locate' });
    expect(consumers[1].seeks).toEqual([]);
  });

  it('keeps its consumer while the partition has nothing past its position', async () => {
    const { consumer, consumers } = startedGroup(() => 10);
    await sleep(300);
    await consumer.stop();
    expect(consumers).toHaveLength(1);
  });
});
