import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DecodedRecord, decodeRecord, FencedRecord } from '@threadline/contracts';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, TopicReadiness } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { RealtimeMetrics } from '../metrics/realtime-metrics';
import { ConversationHub } from './conversation-hub';
import { FanoutStart } from './fanout-start';
import { InstanceGroupConsumer } from './instance-group-consumer';
import { planLiveBatch } from './live-batch-plan';
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
 * Its group (subscribed once TopicReadiness has made sure the topic exists,
 * restarted after a crash or a stall, deleted on shutdown) is an InstanceGroupConsumer.
 * Ready ('kafka') once the group is joined and a first fetch has resolved the
 * start offsets: every event produced after that reaches the hub.
 */
@Injectable()
export class FanoutConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FanoutConsumer.name);
  readonly groupId: string;
  private readonly group: InstanceGroupConsumer;
  private readonly positions = new PartitionPositions();

  constructor(
    kafka: Kafka,
    topic: TopicReadiness,
    private readonly hub: ConversationHub,
    private readonly start: FanoutStart,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) config: RealtimeConfig,
    readiness: ReadinessService,
  ) {
    this.groupId = `${config.groupPrefix}-${randomUUID()}`;
    this.group = new InstanceGroupConsumer(
      kafka,
      topic,
      readiness,
      metrics,
      {
        topic: config.kafka.topic,
        groupId: this.groupId,
        readinessName: 'kafka',
        maxWaitTimeInMs: 250,
        positions: this.positions,
        stallAfterMs: config.stallAfterMs,
        onBatch: (consumer, payload) => this.onBatch(consumer, payload),
      },
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.group.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.group.stop();
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const step = await planLiveBatch(this.positions, this.start, batch, this.logger);
    if (step.kind === 'seek') {
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: step.offset });
      return;
    }
    for (const message of batch.messages.slice(step.from)) {
      if (!payload.isRunning() || payload.isStale()) {
        return;
      }
      const decoded = this.decode(batch.partition, message);
      this.publish(batch.partition, message, decoded, this.positions.handle(batch.partition, message.offset, decoded));
    }
    await payload.heartbeat();
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
}
