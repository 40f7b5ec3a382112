import { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';
import { ASSET_CACHE_CONTROL, CONSOLE_DIR, CONSOLE_PREFIX, PAGE_CACHE_CONTROL } from './console-assets';

/** Serves the console's bundle files (index.html excepted: ConsoleController answers it for every client route). */
export function serveConsoleAssets(app: NestExpressApplication): void {
  app.useStaticAssets(CONSOLE_DIR, {
    prefix: CONSOLE_PREFIX,
    index: false,
    fallthrough: true,
    setHeaders: (res: Response, path: string) => {
      res.setHeader('cache-control', path.endsWith('.html') ? PAGE_CACHE_CONTROL : ASSET_CACHE_CONTROL);
    },
  });
}
