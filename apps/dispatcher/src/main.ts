import { loadConfigOrExit } from '@threadline/config';
import { bootstrapService } from '@threadline/observability';
import { dispatcherConfigSchema } from './config/dispatcher.config';
import { DispatcherModule } from './dispatcher.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit(dispatcherConfigSchema);
  await bootstrapService({ module: DispatcherModule.forRoot(config), host: config.http.host, port: config.http.port });
}

void main();
