import { loadConfigOrExit } from '@threadline/config';
import { bootstrapService } from '@threadline/observability';
import { realtimeConfigSchema } from './config/realtime.config';
import { RealtimeModule } from './realtime.module';
import { RealtimeWsAdapter } from './websocket/realtime-ws.adapter';

async function main(): Promise<void> {
  const config = loadConfigOrExit(realtimeConfigSchema);
  await bootstrapService({
    module: RealtimeModule.forRoot(config),
    host: config.http.host,
    port: config.http.port,
    corsOrigins: config.http.corsOrigins,
    configure: (app) => app.useWebSocketAdapter(RealtimeWsAdapter.forApp(app)),
  });
}

void main();
