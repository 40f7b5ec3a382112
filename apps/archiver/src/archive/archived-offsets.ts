import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConsumerOffsetEntity, StoredPosition } from '@threadline/persistence';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';

/** The archiver's position per partition (next offset and index fence) as committed in Postgres with the segments. */
@Injectable()
export class ArchivedOffsets {
  constructor(
    @InjectRepository(ConsumerOffsetEntity) private readonly offsets: Repository<ConsumerOffsetEntity>,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
  ) {}

  /** Offset 0 and fence 0 when the partition has never been archived. */
  async position(partition: number): Promise<StoredPosition> {
    const row = await this.offsets.findOneBy({
      consumer: this.config.consumer.groupId,
      topic: this.config.kafka.topic,
      partition,
    });
    return { nextOffset: row?.nextOffset ?? 0, indexFence: row?.indexFence ?? 0 };
  }
}
