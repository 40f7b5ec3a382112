import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Kafka, NO_KAFKAJS_SEND_RETRIES, Producer, retryWithBackoff } from '@threadline/kafka';
import { PeriodicTask } from '@threadline/observability';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';
import { DispatcherMetrics } from '../metrics/dispatcher-metrics';
import { DeadSqlRow, deadLetterRecord, markPublished, unpublishedDead } from './dead-letter-statements';

const BATCH = 100;
const INTERVAL_MS = 1000;

/**
 * Puts every dead delivery on the dead-letter topic (created at start-up like
 * the conversation topic) and sets its dead_lettered_at once Kafka acknowledged
 * (acks=all). Runs every second and right after a delivery dies; what Kafka did
 * not take is published on a later run. At least once: a crash between the ack
 * and the mark publishes a record again (consumers dedupe on delivery_id).
 */
@Injectable()
export class DeadLetterPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeadLetterPublisher.name);
  private readonly producer: Producer;
  private readonly task: PeriodicTask;
  private connected = false;
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly metrics: DispatcherMetrics,
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
  ) {
    // A failed send leaves its rows unpublished and the next tick sends them again (NO_KAFKAJS_SEND_RETRIES).
    this.producer = kafka.producer({ allowAutoTopicCreation: false, retry: NO_KAFKAJS_SEND_RETRIES });
    this.task = new PeriodicTask(() => this.publishOnce(), {
      name: 'publishing dead letters',
      intervalMs: INTERVAL_MS,
      logger: this.logger,
    });
  }

  onApplicationBootstrap(): void {
    void retryWithBackoff(() => this.provision(), { stopped: () => this.stopped }).then((ready) => {
      if (ready) {
        this.task.start();
      }
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.task.stop();
    if (this.connected) {
      await this.producer.disconnect().catch(() => undefined);
    }
  }

  /** Publishes now instead of at the next tick (a delivery just died). */
  publishSoon(): void {
    if (this.connected) {
      void this.publishOnce().catch((error: Error) =>
        this.logger.warn(`publishing dead letters failed: ${error.message}`),
      );
    }
  }

  /** One run at a time: the tick and publishSoon never publish the same rows side by side. */
  private publishOnce(): Promise<void> {
    this.running ??= this.publish().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async publish(): Promise<void> {
    const statement = unpublishedDead(BATCH);
    const rows = await this.dataSource.query<DeadSqlRow[]>(statement.sql, statement.params);
    this.metrics.deadLettersUnpublished.set(rows.length);
    if (rows.length === 0) {
      return;
    }
    await this.producer.send({
      topic: this.config.deadLetterTopic,
      acks: -1,
      messages: rows.map((row) => ({ key: row.id, value: JSON.stringify(deadLetterRecord(row)) })),
    });
    const mark = markPublished(rows);
    await this.dataSource.query(mark.sql, mark.params);
    this.metrics.deadLettersUnpublished.set(0);
    this.logger.warn(`published ${rows.length} dead deliveries to ${this.config.deadLetterTopic}`);
  }

  private async provision(): Promise<boolean> {
    try {
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        if (!(await admin.listTopics()).includes(this.config.deadLetterTopic)) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: [
              {
                topic: this.config.deadLetterTopic,
                numPartitions: this.config.kafka.partitions,
                replicationFactor: this.config.kafka.replicationFactor,
                configEntries: [
                  { name: 'retention.ms', value: '-1' },
                  { name: 'min.insync.replicas', value: String(Math.min(2, this.config.kafka.replicationFactor)) },
                ],
              },
            ],
          });
        }
      } finally {
        await admin.disconnect();
      }
      await this.producer.connect();
      this.connected = true;
      return true;
    } catch (error) {
      this.logger.warn(`dead-letter topic not ready yet: ${(error as Error).message}`);
      return false;
    }
  }
}
