import { Logger } from '@nestjs/common';
import type { ArchiveStoreConfig } from '@threadline/config';
import { FilesystemObjectStore } from './filesystem-object-store';
import { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

const logger = new Logger('ObjectStore');

/**
 * The configured backend. A store that cannot be prepared now (a root that cannot
 * be created) is only logged: readiness reports it and retention refuses to trim.
 * An S3 bucket is never created here: it is provisioned with its own policies, and
 * readiness fails until it exists.
 */
export async function openObjectStore(config: ArchiveStoreConfig): Promise<ObjectStore> {
  switch (config.backend) {
    case 'fs': {
      const store = new FilesystemObjectStore(config.dir);
      await store.init().catch((error: Error) => logger.warn(`cannot create ${store.root}: ${error.message}`));
      return store;
    }
    case 's3':
      return new S3ObjectStore(config);
  }
}
