import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@threadline/auth';
import { AppConfigModule } from '@threadline/config';
import { ErrorsModule } from '@threadline/errors';
import { KafkaModule } from '@threadline/kafka';
import { ObservabilityModule } from '@threadline/observability';
import { ArchiveStoreModule, PersistenceModule } from '@threadline/persistence';
import { REALTIME_CONFIG, RealtimeConfig } from './config/realtime.config';
import { ConnectionsModule } from './connections/connections.module';
import { LiveModule } from './live/live.module';
import { PhoenixModule } from './protocols/phoenix/phoenix.module';
import { PlainWsModule } from './protocols/plain-ws/plain-ws.module';
import { SessionSocketModule } from './protocols/session-socket/session-socket.module';
import { SessionTailModule } from './protocols/session-tail/session-tail.module';
import { SseModule } from './protocols/sse/sse.module';
import { StreamModule } from './stream/stream.module';

/**
 * Streams each conversation to clients (Phoenix Channels, plain WebSocket, SSE, Starcite's session tail and Phoenix socket), in seq order, resumable.
 * The WebSocket gateways run on RealtimeWsAdapter, which main.ts installs; it tracks their
 * connections in ConnectionsModule's registry. A new protocol is one more module under protocols/.
 */
@Module({})
export class RealtimeModule {
  static forRoot(config: RealtimeConfig): DynamicModule {
    return {
      module: RealtimeModule,
      imports: [
        ErrorsModule,
        AuthModule.forRoot(config.auth),
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        KafkaModule.forRoot(config.kafka),
        PersistenceModule.forRoot(config.postgres),
        ArchiveStoreModule.forRoot(config.archive),
        AppConfigModule.forRoot(REALTIME_CONFIG, config),
        LiveModule,
        StreamModule,
        ConnectionsModule,
        PhoenixModule,
        PlainWsModule,
        SseModule,
        SessionTailModule,
        SessionSocketModule,
      ],
    };
  }
}
