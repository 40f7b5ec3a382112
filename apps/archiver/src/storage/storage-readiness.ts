import { Inject, Injectable } from '@nestjs/common';
import { ReadinessService } from '@threadline/observability';
import { OBJECT_STORE, ObjectStore } from '@threadline/persistence';

/** Readiness check 'archive_store': the store is reachable. */
@Injectable()
export class StorageReadiness {
  constructor(@Inject(OBJECT_STORE) store: ObjectStore, readiness: ReadinessService) {
    readiness.register('archive_store', async () => {
      await store.ping();
      return { ok: true, detail: store.location };
    });
  }
}
