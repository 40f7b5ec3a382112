import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Controller, Get, Header, HttpStatus, Inject, Param } from '@nestjs/common';
import { ApiError } from '@threadline/errors';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { CONSOLE_DIR, PAGE_CACHE_CONTROL } from './console-assets';

/** What the page needs to know before sign-in: where the live streams are. No credential, no tenant data. */
export interface ConsoleSettings {
  realtime_url: string;
}

/**
 * The admin console's page (docs/console.md). Its hashed assets are served by the static routes installed in
 * main.ts; this controller answers its settings and, for every client route under /console, index.html.
 * Nothing here is behind a credential: the page signs in with the key or token the user types and calls /v1.
 */
@Controller('console')
export class ConsoleController {
  constructor(@Inject(COMMAND_CONFIG) private readonly config: CommandConfig) {}

  @Get('config.json')
  @Header('cache-control', PAGE_CACHE_CONTROL)
  settings(): ConsoleSettings {
    return { realtime_url: this.config.console.realtimePublicUrl };
  }

  @Get(['', '*'])
  @Header('cache-control', PAGE_CACHE_CONTROL)
  @Header('content-type', 'text/html; charset=utf-8')
  async page(@Param('*') route: string | undefined): Promise<string> {
    if (route?.split('/')[0] === 'assets') {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', 'No such console asset');
    }
    return readFile(join(CONSOLE_DIR, 'index.html'), 'utf8').catch(() => {
      throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', 'The console is not built (npm run build)');
    });
  }
}
