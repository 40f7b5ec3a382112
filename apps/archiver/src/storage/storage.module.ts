import { Module } from '@nestjs/common';
import { OBJECT_STORE } from '@threadline/persistence';
import { objectStoreProvider } from './object-store.provider';
import { StorageReadiness } from './storage-readiness.service';

/** The object store segments go to, and the readiness of both stores the archiver writes. */
@Module({
  providers: [objectStoreProvider, StorageReadiness],
  exports: [OBJECT_STORE],
})
export class StorageModule {}
