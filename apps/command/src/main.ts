import { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@threadline/config';
import { bootstrapService } from '@threadline/observability';
import { CommandModule } from './command.module';
import { commandConfigSchema } from './config/command.config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(commandConfigSchema);
  await bootstrapService({
    module: CommandModule.forRoot(config),
    host: config.http.host,
    port: config.http.port,
    configure: (app) => {
      const express = app as NestExpressApplication;
      express.useBodyParser('json', { limit: config.limits.messageBytes + 64 * 1024 });
    },
  });
}

void main();
