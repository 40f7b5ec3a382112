import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConsumerOffsetEntity, StoredPosition } from '@threadline/persistence';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';

/** The projector's next offset per partition as committed in Postgres: the source of truth for its position. */
@Injectable()
export class StoredOffsets {
  constructor(
    @InjectRepository(ConsumerOffsetEntity) private readonly offsets: Repository<ConsumerOffsetEntity>,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {}

  async all(): Promise<Map<number, number>> {
    const rows = await this.offsets.findBy({
      consumer: this.config.projection.groupId,
      topic: this.config.kafka.topic,
    });
    return new Map(rows.map((r) => [r.partition, r.nextOffset]));
  }

  /** Where the projection of a partition resumes: offset 0 and fence 0 when it has never been projected. */
  async position(partition: number): Promise<StoredPosition> {
    const row = await this.offsets.findOneBy({
      consumer: this.config.projection.groupId,
      topic: this.config.kafka.topic,
      partition,
    });
    return { nextOffset: row?.nextOffset ?? 0, indexFence: row?.indexFence ?? 0 };
  }
}
