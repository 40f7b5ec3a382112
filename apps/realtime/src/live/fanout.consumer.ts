import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DecodedRecord, decodeRecord, FencedRecord } from '@threadline/contracts';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, RestartingConsumer, TopicReadiness } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { RealtimeMetrics } from '../metrics/realtime-metrics';
import { ConversationHub } from './conversation-hub';
import { FanoutStart } from './fanout-start';
import { PartitionPositions } from './partition-positions';

/**
 * Every instance reads the whole topic under its own throwaway consumer group
 * and hands each event to the in-process hub: a client on any instance sees every
 * conversation. Nothing is committed; what a client missed comes from Postgres
 * (catch-up), not from this consumer. Its position is kept in memory
 * (PartitionPositions), so a rejoin goes on where it stopped.
 *
 * The fence rule (docs/events.md rule 6) needs the partition's index fence where
 * the consumer starts, and the latest offset's is unknown: on the first batch of
 * a partition it goes back to the projector's stored position (FanoutStart), whose
 * fence is stored with it, and applies the rule from there. The events in between
 * reach the hub again, which is harmless: streams drop seqs they already have.
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
    private readonly start: FanoutStart,
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
      // The group is this instance's alone: a rebalance can only wait for a stale member of its own (an
      // earlier join of this consumer, e.g. after its group coordinator died). kafkajs's default (60 s)
      // held live streams that long after a coordinator failover; a batch here takes milliseconds.
      rebalanceTimeout: 10_000,
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
    const offsets = batch.messages.map((m) => m.offset);
    let plan = this.positions.plan(batch.partition, offsets);
    const located = plan.kind === 'locate';
    if (plan.kind === 'locate') {
      await this.locate(batch.partition, batch.firstOffset());
      plan = this.positions.plan(batch.partition, offsets);
    }
    if (plan.kind === 'seek') {
      if (!located) {
        this.logger.warn(
          `partition ${batch.partition}: fetch resumed at ${batch.firstOffset()} after a rejoin; going back to ${plan.offset}`,
        );
      }
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: plan.offset });
      return;
    }
    for (const message of batch.messages.slice(plan.kind === 'deliver' ? plan.from : 0)) {
      if (!payload.isRunning() || payload.isStale()) {
        return;
      }
      const decoded = this.decode(batch.partition, message);
      this.publish(batch.partition, message, decoded, this.positions.handle(batch.partition, message.offset, decoded));
    }
    await payload.heartbeat();
  }

  /** A partition's first batch: it starts where the projector stands, whose index fence is known. */
  private async locate(partition: number, fetchedAt: string | null): Promise<void> {
    try {
      const start = await this.start.of(this.config.kafka.topic, partition);
      this.positions.start(partition, start, fetchedAt);
      this.logger.log(
        `partition ${partition}: starting at offset ${start.nextOffset} with index fence ${start.indexFence} ` +
          `(the projector's position; the fetch started at ${fetchedAt})`,
      );
    } catch (error) {
      this.logger.warn(`partition ${partition}: where to start is unknown yet: ${(error as Error).message}`);
      throw error;
    }
  }

  /** The poison rule (docs/events.md): a record that does not decode stands for its stand-in tombstone, if any. */
  private decode(partition: number, message: KafkaMessage): DecodedRecord {
    const decoded = decodeRecord(message);
    if (decoded.kind === 'poison') {
      this.metrics.poison.inc();
      this.logger.error(`poison record at partition ${partition} offset ${message.offset}: ${decoded.reason}`);
    }
    return decoded;
  }

  /** Hands the event the fence rule kept to the hub; one it ignored is counted. */
  private publish(partition: number, message: KafkaMessage, decoded: DecodedRecord, applied: FencedRecord): void {
    if (applied.event !== null) {
      this.hub.publish(applied.event, { partition, offset: Number(message.offset) });
    } else if (applied.fenced) {
      const event = decoded.kind === 'event' ? decoded.event : decoded.kind === 'poison' ? decoded.standIn : null;
      this.metrics.fenced.inc();
      this.logger.warn(
        `ignored the event at partition ${partition} offset ${message.offset} (${event?.conversation_id}` +
          `${event && 'seq' in event ? ` seq ${event.seq}` : ''}): its index epoch ${event?.index_epoch ?? 0} ` +
          `is below the partition's index fence ${applied.fence}`,
      );
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
