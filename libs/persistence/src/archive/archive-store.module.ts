import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ArchiveStoreConfig } from '@threadline/config';
import { MessageLogReader } from '../reads/message-log-reader';
import { ArchiveReader } from './archive-reader';
import { OBJECT_STORE, ObjectStore } from './object-store';
import { openObjectStore } from './open-object-store';
import { SegmentCache } from './segment-cache';

/**
 * The configured object store, an ArchiveReader over it, and the MessageLogReader
 * that reads a conversation from Postgres and the archive as one log.
 */
@Module({})
export class ArchiveStoreModule {
  static forRoot(config: ArchiveStoreConfig): DynamicModule {
    return {
      module: ArchiveStoreModule,
      global: true,
      providers: [
        { provide: OBJECT_STORE, useFactory: () => openObjectStore(config) },
        {
          provide: ArchiveReader,
          inject: [DataSource, OBJECT_STORE],
          useFactory: (dataSource: DataSource, store: ObjectStore) =>
            new ArchiveReader(dataSource, store, new SegmentCache(config.readCacheBytes)),
        },
        MessageLogReader,
      ],
      exports: [OBJECT_STORE, ArchiveReader, MessageLogReader],
    };
  }
}
