import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';
import { unreferencedSegments } from './orphan-statements';
import { SegmentObject } from './segment-object';

/** Asks the archive index which stored segment objects are orphans. */
@Injectable()
export class OrphanIndex {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
  ) {}

  /** The keys among `objects` that no index row names and none ever will. */
  async unreferenced(objects: readonly SegmentObject[]): Promise<Set<string>> {
    if (objects.length === 0) {
      return new Set();
    }
    const statement = unreferencedSegments(this.config.consumer.groupId, this.config.kafka.topic, objects);
    const rows = await this.dataSource.query<{ key: string }[]>(statement.sql, statement.params);
    return new Set(rows.map((row) => row.key));
  }
}
