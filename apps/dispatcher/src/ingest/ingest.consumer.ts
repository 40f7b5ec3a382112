import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { decodeRecord } from '@threadline/contracts';
import {
  Backoff,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  StoredPositionConsumer,
  TopicReadiness,
} from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { StoredPosition } from '@threadline/persistence';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';
import { DeliveryWorker } from '../delivery/delivery-worker';
import { DispatcherMetrics } from '../metrics/dispatcher-metrics';
import { IngestOffsets } from './ingest-offsets';
import { IngestWriter } from './ingest-writer';

const CHUNK_SIZE = 500;

/**
 * Consumes the conversation topic in the dispatcher's own group, from the
 * position stored in Postgres (StoredPositionConsumer), and writes each batch
 * chunk by chunk with IngestWriter. A chunk that fails is retried after a
 * back-off from its first offset; Postgres behind the consumer (lost commits)
 * sends it back to the stored offset. The group's Kafka offsets only mirror
 * Postgres, for lag tooling. Ready ('kafka') once the group is joined.
 */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngestConsumer.name);
  private readonly consumer: StoredPositionConsumer<StoredPosition>;
  private readonly backoff = new Backoff();

  constructor(
    kafka: Kafka,
    topic: TopicReadiness,
    offsets: IngestOffsets,
    private readonly writer: IngestWriter,
    private readonly worker: DeliveryWorker,
    private readonly metrics: DispatcherMetrics,
    readiness: ReadinessService,
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
  ) {
    this.consumer = new StoredPositionConsumer(
      kafka,
      {
        groupId: config.ingest.groupId,
        topic: config.kafka.topic,
        partitionsConcurrently: 4,
        autoCommit: false,
        topicReady: () => topic.whenReady(),
        storedPosition: (partition) => offsets.position(partition),
        eachBatch: (payload) => this.onBatch(payload),
      },
      this.logger,
    );
    readiness.register('kafka', () => ({
      ok: this.consumer.joined,
      detail: { group: config.ingest.groupId, joined: this.consumer.joined, assigned: this.consumer.assigned },
    }));
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stopWithin(this.config.shutdownGraceMs);
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { partition, messages } = payload.batch;
    for (let start = 0; start < messages.length; start += CHUNK_SIZE) {
      if (!payload.isRunning() || payload.isStale()) {
        return;
      }
      const chunk = messages.slice(start, start + CHUNK_SIZE);
      if (!(await this.write(partition, chunk))) {
        return;
      }
      payload.resolveOffset(chunk[chunk.length - 1].offset);
      await payload.heartbeat();
    }
  }

  /** True when the chunk is stored and the batch may go on. */
  private async write(partition: number, chunk: KafkaMessage[]): Promise<boolean> {
    const startOffset = Number(chunk[0].offset);
    const endOffset = Number(chunk[chunk.length - 1].offset) + 1;
    const records = chunk.map((message) => ({ offset: Number(message.offset), record: decodeRecord(message) }));
    try {
      const outcome = await this.writer.write({
        partition,
        records,
        startOffset,
        endOffset,
        acceptGapAfter: this.consumer.wentBackToIn(partition),
      });
      this.backoff.reset();
      if (outcome.behind) {
        this.consumer.goBackTo(partition, outcome.nextOffset, startOffset);
        return false;
      }
      this.metrics.ingested.inc(outcome.delivered);
      if (outcome.delivered > 0 || outcome.filledHole) {
        this.worker.nudge();
      }
      this.consumer.mirrorOffset(partition, outcome.nextOffset);
      return true;
    } catch (error) {
      const delay = this.backoff.next();
      this.logger.warn(
        `partition ${partition}: ingesting from offset ${startOffset} failed, retrying in ${delay} ms: ${(error as Error).message}`,
      );
      await sleep(delay);
      this.consumer.current?.seek({ topic: this.config.kafka.topic, partition, offset: String(startOffset) });
      return false;
    }
  }
}
