import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReadinessService } from '@threadline/observability';
import { OBJECT_STORE, ObjectStore } from '@threadline/persistence';

/** Readiness checks 'postgres' (the index database answers) and 'archive_store' (the store is reachable). */
@Injectable()
export class StorageReadiness {
  constructor(dataSource: DataSource, @Inject(OBJECT_STORE) store: ObjectStore, readiness: ReadinessService) {
    readiness.register('postgres', async () => {
      await dataSource.query('SELECT 1');
      return { ok: true };
    });
    readiness.register('archive_store', async () => {
      await store.ping();
      return { ok: true, detail: store.location };
    });
  }
}
