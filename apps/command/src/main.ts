import { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@threadline/config';
import { bootstrapService } from '@threadline/observability';
import { runApiKeysCommand } from './api-keys/api-keys-cli';
import { CommandModule } from './command.module';
import { commandConfigSchema } from './config/command.config';
import { serveConsoleAssets } from './console/console-static';

/** `main.js api-keys ...` manages API keys without an API key, e.g. the first admin key (docs/operations.md). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(commandConfigSchema);
  if (process.argv[2] === 'api-keys') {
    process.exit(await runApiKeysCommand(config, process.argv.slice(3)));
  }
  await bootstrapService({
    module: CommandModule.forRoot(config),
    host: config.http.host,
    port: config.http.port,
    corsOrigins: config.http.corsOrigins,
    configure: (app) => {
      const express = app as NestExpressApplication;
      const largestBody = Math.max(config.limits.messageBytes, config.runs.maxBatchBytes);
      express.useBodyParser('json', { limit: largestBody + 64 * 1024 });
      serveConsoleAssets(express);
    },
  });
}

void main();
