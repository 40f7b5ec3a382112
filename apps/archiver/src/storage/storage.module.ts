import { Module } from '@nestjs/common';
import { StorageReadiness } from './storage-readiness';

/** The readiness of both stores the archiver writes (the object store comes from ArchiveStoreModule). */
@Module({
  providers: [StorageReadiness],
})
export class StorageModule {}
