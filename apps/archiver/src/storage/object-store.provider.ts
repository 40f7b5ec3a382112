import { Logger, Provider } from '@nestjs/common';
import { FilesystemObjectStore, OBJECT_STORE, ObjectStore } from '@threadline/persistence';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';

const logger = new Logger('ObjectStore');

/** The configured backend. A root that cannot be created is only logged: readiness and retention notice it. */
export const objectStoreProvider: Provider = {
  provide: OBJECT_STORE,
  inject: [ARCHIVER_CONFIG],
  useFactory: async (config: ArchiverConfig): Promise<ObjectStore> => {
    const store = new FilesystemObjectStore(config.store.dir);
    await store.init().catch((error: Error) => logger.warn(`cannot create ${store.root}: ${error.message}`));
    logger.log(`archiving to ${store.location}`);
    return store;
  },
};
