import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { readPosition, StoredOffsetRow, storedPosition, StoredPosition } from '@threadline/persistence';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';

/**
 * The runs projection's next offset per partition of the runs topic, as committed
 * in Postgres with its writes (consumer = PROJECTOR_GROUP_ID, topic = the runs topic).
 */
@Injectable()
export class RunsOffsets {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {}

  async position(partition: number): Promise<StoredPosition> {
    const statement = readPosition({
      consumer: this.config.projection.groupId,
      topic: this.config.kafka.runsTopic,
      partition,
    });
    const [row] = await this.dataSource.query<StoredOffsetRow[]>(statement.sql, statement.params);
    return row === undefined ? { nextOffset: 0, indexFence: 0 } : storedPosition(row);
  }
}
