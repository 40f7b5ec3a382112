import { existsSync } from 'node:fs';
import { runMigrations } from '../../libs/persistence/src';
import { entryPoint } from './service-process';
import { TEST_DATABASE_URL } from './test-env';

/** e2e tests run against the built services and a migrated test database. */
export default async function globalSetup(): Promise<void> {
  for (const service of ['command', 'projector', 'realtime'] as const) {
    if (!existsSync(entryPoint(service))) {
      throw new Error(`${entryPoint(service)} is missing: run \`npm run build\` first (npm test does)`);
    }
  }
  await runMigrations({ url: TEST_DATABASE_URL, poolSize: 2 });
}
