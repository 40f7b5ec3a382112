import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ASSET_MAX_AGE_MS, CONSOLE_DIR, CONSOLE_PREFIX } from './console-assets';

/**
 * Serves the console's hashed bundle files from dist/console/assets, one route per file found at start-up
 * (`wildcard: false`), cached for a year as immutable. index.html and every client route under /console are
 * ConsoleController's.
 */
export function serveConsoleAssets(app: NestFastifyApplication): void {
  app.useStaticAssets({
    root: join(CONSOLE_DIR, 'assets'),
    prefix: `${CONSOLE_PREFIX}/assets/`,
    index: false,
    wildcard: false,
    maxAge: ASSET_MAX_AGE_MS,
    immutable: true,
  });
}
