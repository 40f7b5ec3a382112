import { loadConfigOrExit } from '@threadline/config';
import { bootstrapService } from '@threadline/observability';
import { realtimeConfigSchema } from './config/realtime.config';
import { RealtimeModule } from './realtime.module';

/**
 * No WebSocket adapter is installed: UpgradeRouter serves both WebSocket paths
 * from the HTTP server's 'upgrade' event (see there why not a Nest gateway).
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(realtimeConfigSchema);
  await bootstrapService({
    module: RealtimeModule.forRoot(config),
    host: config.http.host,
    port: config.http.port,
  });
}

void main();
