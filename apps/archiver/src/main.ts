import { loadConfigOrExit } from '@threadline/config';
import { bootstrapService } from '@threadline/observability';
import { ArchiverModule } from './archiver.module';
import { archiverConfigSchema } from './config/archiver.config';

async function main(): Promise<void> {
  const config = loadConfigOrExit(archiverConfigSchema);
  await bootstrapService({ module: ArchiverModule.forRoot(config), host: config.http.host, port: config.http.port });
}

void main();
