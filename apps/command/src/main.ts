import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfigOrExit } from '@threadline/config';
import { bootstrapService } from '@threadline/observability';
import { runApiKeysCommand } from './api-keys/api-keys-cli';
import { CommandModule } from './command.module';
import { commandConfigSchema } from './config/command.config';
import { serveConsoleAssets } from './console/console-static';
import { commandHttpAdapter, registerBodyParsers } from './http/command-http-adapter';

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
    httpAdapter: commandHttpAdapter(),
    configure: (app) => {
      const fastify = app as NestFastifyApplication;
      const largestBody = Math.max(config.limits.messageBytes, config.runs.maxBatchBytes);
      registerBodyParsers(fastify.getHttpAdapter().getInstance(), largestBody + 64 * 1024);
      serveConsoleAssets(fastify);
    },
  });
}

void main();
