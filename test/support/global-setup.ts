import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { entryPoint } from './service-process';
import { TEST_DATABASE_URL } from './test-env';

/** e2e tests run against the built services and a test database migrated by the real migrate command. */
export default function globalSetup(): void {
  for (const service of ['command', 'projector', 'realtime', 'archiver', 'dispatcher'] as const) {
    if (!existsSync(entryPoint(service))) {
      throw new Error(`${entryPoint(service)} is missing: run \`npm run build\` first (npm test does)`);
    }
  }
  execFileSync(process.execPath, [entryPoint('projector'), 'migrate'], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, AUTH_MODE: 'none' },
    stdio: 'inherit',
  });
}
