import { Inject, Injectable, Logger } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { KafkaConfig } from '@threadline/config';
import { KAFKA_CONFIG } from './kafka.constants';

/**
 * Creates the conversation topic at start-up (brokers have auto-create off).
 * Idempotent: an existing topic is left as it is, whatever its partition count.
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
      if ((await admin.listTopics()).includes(this.config.topic)) {
        return;
      }
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.config.topic,
            numPartitions: this.config.partitions,
            replicationFactor: this.config.replicationFactor,
            configEntries: [
              { name: 'cleanup.policy', value: 'delete' },
              { name: 'retention.ms', value: '-1' },
              { name: 'min.insync.replicas', value: String(Math.min(2, this.config.replicationFactor)) },
            ],
          },
        ],
      });
      if (created) {
        this.logger.log(
          `created topic ${this.config.topic} (${this.config.partitions} partitions, replication ${this.config.replicationFactor})`,
        );
      }
    } finally {
      await admin.disconnect();
    }
  }
}
