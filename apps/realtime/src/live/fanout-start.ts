import { Inject, Injectable } from '@nestjs/common';
import { Kafka } from '@threadline/kafka';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { ProjectorPosition } from './projector-position';
import { FencedPosition, startPosition } from './partition-positions';

/** Where the fan-out starts a partition: the projector's stored position, or the partition's earliest offset. */
@Injectable()
export class FanoutStart {
  constructor(
    private readonly kafka: Kafka,
    private readonly projector: ProjectorPosition,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  async of(partition: number): Promise<FencedPosition> {
    const [stored, earliest] = await Promise.all([this.projector.of(partition), this.earliestOffset(partition)]);
    return startPosition(stored, earliest);
  }

  private async earliestOffset(partition: number): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.config.kafka.topic);
      return Number(offsets.find((o) => o.partition === partition)?.low ?? 0);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
