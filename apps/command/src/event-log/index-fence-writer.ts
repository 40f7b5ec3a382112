import { Inject, Injectable } from '@nestjs/common';
import { encodeIndexFence } from '@threadline/contracts';
import { Kafka } from '@threadline/kafka';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { indexFence } from './event-factory';

/**
 * Writes the fence of a new index epoch to every partition of the topic
 * (docs/events.md rule 6): from each fence on, every consumer ignores events
 * decided in an older epoch, however late they land.
 */
@Injectable()
export class IndexFenceWriter {
  constructor(
    private readonly kafka: Kafka,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  /** The end offset of every partition of the topic. */
  async endOffsets(): Promise<Map<number, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.config.kafka.topic);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  /** Resolves once every partition has the fence durably, with the fence's offset per partition. */
  async write(epoch: number, partitions: readonly number[]): Promise<Map<number, number>> {
    const producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const fence = encodeIndexFence(indexFence(epoch));
      const written = await producer.send({
        topic: this.config.kafka.topic,
        acks: -1,
        timeout: this.config.append.ackTimeoutMs,
        messages: partitions.map((partition) => ({ ...fence, partition })),
      });
      const offsets = new Map(written.map((r) => [r.partition, Number(r.baseOffset)]));
      // kafkajs can resolve a send without the records of a partition whose leader moved (NO_KAFKAJS_SEND_RETRIES).
      const missing = partitions.filter((partition) => !offsets.has(partition));
      if (missing.length > 0) {
        throw new Error(`Kafka acknowledged no fence on partitions ${missing.join(', ')}`);
      }
      return offsets;
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }
}
