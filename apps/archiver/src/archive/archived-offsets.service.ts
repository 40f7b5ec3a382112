import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ConsumerOffsetEntity } from '@threadline/persistence';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';

/** The archiver's next offset per partition as committed in Postgres with the segments: its position. */
@Injectable()
export class ArchivedOffsets {
  constructor(
    @InjectRepository(ConsumerOffsetEntity) private readonly offsets: Repository<ConsumerOffsetEntity>,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
  ) {}

  /** Null when the partition has never been archived. */
  async nextOffset(partition: number): Promise<number | null> {
    const row = await this.offsets.findOneBy({
      consumer: this.config.consumer.groupId,
      topic: this.config.kafka.topic,
      partition,
    });
    return row?.nextOffset ?? null;
  }
}
