import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { decodeRecord } from '@threadline/contracts';
import { RestartingConsumer, TopicReadiness } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { RealtimeMetrics } from '../metrics/realtime-metrics.service';
import { ConversationHub } from './conversation-hub.service';
import { PartitionPositions } from './partition-positions';

/**
 * Every instance reads the whole topic under its own throwaway consumer group,
 * from the latest offset, and hands each event to the in-process hub: a client on
 * any instance sees every conversation. Nothing is committed; what a client
 * missed comes from Postgres (catch-up), not from this consumer. Its position is
 * kept in memory (PartitionPositions), so a rejoin goes on where it stopped.
 *
 * It subscribes once TopicReadiness has made sure the topic exists.
 * Ready ('kafka') once the group is joined and a first fetch has resolved the
 * start offsets: every event produced after that reaches the hub.
 */
@Injectable()
export class FanoutConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FanoutConsumer.name);
  readonly groupId: string;
  private readonly restarting: RestartingConsumer;
  private joined = false;
  private fetching = false;
  private readonly positions = new PartitionPositions();

  constructor(
    private readonly kafka: Kafka,
    topic: TopicReadiness,
    private readonly hub: ConversationHub,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
    readiness: ReadinessService,
  ) {
    this.groupId = `${config.groupPrefix}-${randomUUID()}`;
    this.restarting = new RestartingConsumer(
      {
        create: () => this.create(),
        topicReady: () => topic.whenReady(),
        run: (consumer) => this.run(consumer),
      },
      this.logger,
    );
    readiness.register('kafka', () => ({
      ok: this.joined && this.fetching,
      detail: { group: this.groupId, joined: this.joined, fetching: this.fetching },
    }));
  }

  onApplicationBootstrap(): void {
    this.restarting.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.restarting.stop().catch((error: Error) => this.logger.warn(`disconnect: ${error.message}`));
    await this.deleteGroup();
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.subscribe({ topic: this.config.kafka.topic, fromBeginning: false });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(consumer, payload) });
    this.logger.log(`consuming ${this.config.kafka.topic} as ${this.groupId}`);
  }

  /** A kafkajs consumer of the group; after a restart, PartitionPositions takes it back to where the last one stopped. */
  private create(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 250,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const { GROUP_JOIN, FETCH, CRASH, DISCONNECT } = consumer.events;
    consumer.on(GROUP_JOIN, () => {
      this.joined = true;
      this.fetching = false;
    });
    consumer.on(FETCH, () => {
      this.fetching = this.joined;
    });
    consumer.on(DISCONNECT, () => {
      this.joined = false;
      this.fetching = false;
    });
    consumer.on(CRASH, () => {
      this.joined = false;
      this.fetching = false;
    });
    return consumer;
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const plan = this.positions.plan(
      batch.partition,
      batch.messages.map((m) => m.offset),
    );
    if (plan.kind === 'seek') {
      this.logger.warn(
        `partition ${batch.partition}: fetch resumed at ${batch.firstOffset()} after a rejoin; going back to ${plan.offset}`,
      );
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: plan.offset });
      return;
    }
    for (const message of batch.messages.slice(plan.from)) {
      if (!payload.isRunning() || payload.isStale()) {
        return;
      }
      this.publish(batch.partition, message);
      this.positions.delivered(batch.partition, message.offset);
    }
    await payload.heartbeat();
  }

  /** The poison rule (docs/events.md): a record that does not decode is delivered as its stand-in tombstone, if any. */
  private publish(partition: number, message: KafkaMessage): void {
    const decoded = decodeRecord(message);
    if (decoded.kind === 'event') {
      this.hub.publish(decoded.event);
      return;
    }
    this.metrics.poison.inc();
    this.logger.error(`poison record at partition ${partition} offset ${message.offset}: ${decoded.reason}`);
    if (decoded.standIn) {
      this.hub.publish(decoded.standIn);
    }
  }

  /** The group has no offsets and no members left; removing it keeps the broker tidy. */
  private async deleteGroup(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch (error) {
      this.logger.debug(`group ${this.groupId} not deleted: ${(error as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
