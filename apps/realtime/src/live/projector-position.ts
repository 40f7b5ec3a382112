import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { StoredOffsetRow, readPosition, runStatement, StoredPosition, storedPosition } from '@threadline/persistence';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';

/**
 * The projector's stored position in a partition of a topic (PROJECTOR_GROUP_ID;
 * KAFKA_TOPIC or KAFKA_RUNS_TOPIC): an offset whose index fence is known
 * (docs/events.md rule 6), where the fan-out can start applying the fence rule,
 * and below which the projector has written every record to Postgres.
 */
@Injectable()
export class ProjectorPosition {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  /** Null when the projector has never written the partition. */
  of(partition: number): Promise<StoredPosition | null> {
    return this.onTopic(this.config.kafka.topic, partition);
  }

  /** The same on another topic the projector consumes (the runs topic). */
  async onTopic(topic: string, partition: number): Promise<StoredPosition | null> {
    const key = { consumer: this.config.projectorGroupId, topic, partition };
    const [row] = await runStatement<StoredOffsetRow[]>(this.dataSource.manager, readPosition(key));
    return row === undefined ? null : storedPosition(row);
  }
}
