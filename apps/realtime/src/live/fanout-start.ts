import { Injectable } from '@nestjs/common';
import { Kafka } from '@threadline/kafka';
import { ProjectorPosition } from './projector-position';
import { LiveStart } from './live-batch-plan';
import { FencedPosition, startPosition } from './partition-positions';

/** Where a live consumer starts a partition of a topic: the projector's stored position, or the partition's earliest offset. */
@Injectable()
export class FanoutStart implements LiveStart {
  constructor(
    private readonly kafka: Kafka,
    private readonly projector: ProjectorPosition,
  ) {}

  async of(topic: string, partition: number): Promise<FencedPosition> {
    const [stored, earliest] = await Promise.all([
      this.projector.onTopic(topic, partition),
      this.earliestOffset(topic, partition),
    ]);
    return startPosition(stored, earliest);
  }

  /** The earliest offset Kafka still has of the partition. */
  async earliestOffset(topic: string, partition: number): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return Number(offsets.find((o) => o.partition === partition)?.low ?? 0);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
