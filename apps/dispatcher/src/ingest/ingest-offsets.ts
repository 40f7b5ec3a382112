import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { readPosition, StoredOffsetRow, storedPosition, StoredPosition } from '@threadline/persistence';
import { DISPATCHER_CONFIG, DispatcherConfig } from '../config/dispatcher.config';

/** The dispatcher's next offset per partition as committed in Postgres with its dispatch state. */
@Injectable()
export class IngestOffsets {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DISPATCHER_CONFIG) private readonly config: DispatcherConfig,
  ) {}

  async position(partition: number): Promise<StoredPosition> {
    const statement = readPosition({ consumer: this.config.ingest.groupId, topic: this.config.kafka.topic, partition });
    const [row] = await this.dataSource.query<StoredOffsetRow[]>(statement.sql, statement.params);
    return row === undefined ? { nextOffset: 0, indexFence: 0 } : storedPosition(row);
  }
}
