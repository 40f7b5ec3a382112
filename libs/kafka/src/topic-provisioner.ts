import { Inject, Injectable, Logger } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { KafkaConfig } from '@threadline/config';
import { KAFKA_CONFIG } from './kafka.constants';

/**
 * Creates the conversation topic and the runs topic at start-up (brokers have
 * auto-create off). Idempotent: an existing topic is left as it is, whatever its
 * partition count. The conversation topic keeps everything (retention -1); the
 * runs topic keeps records for KAFKA_RUNS_RETENTION_MS.
 */
@Injectable()
export class TopicProvisioner {
  private readonly logger = new Logger(TopicProvisioner.name);

  constructor(
    private readonly kafka: Kafka,
    @Inject(KAFKA_CONFIG) private readonly config: KafkaConfig,
  ) {}

  async ensureTopic(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const wanted = [
        { topic: this.config.topic, retentionMs: -1 },
        { topic: this.config.runsTopic, retentionMs: this.config.runsRetentionMs },
      ].filter((t) => !existing.has(t.topic));
      if (wanted.length === 0) {
        return;
      }
      await admin.createTopics({
        waitForLeaders: true,
        topics: wanted.map((t) => ({
          topic: t.topic,
          numPartitions: this.config.partitions,
          replicationFactor: this.config.replicationFactor,
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: String(t.retentionMs) },
            { name: 'min.insync.replicas', value: String(Math.min(2, this.config.replicationFactor)) },
          ],
        })),
      });
      for (const t of wanted) {
        this.logger.log(
          `topic ${t.topic} ready (${this.config.partitions} partitions, replication ${this.config.replicationFactor})`,
        );
      }
    } finally {
      await admin.disconnect();
    }
  }
}
