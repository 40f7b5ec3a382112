import { DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '@threadline/config';
import { ErrorsModule } from '@threadline/errors';
import { KafkaModule } from '@threadline/kafka';
import { ObservabilityModule } from '@threadline/observability';
import { ArchiveStoreModule, PersistenceModule } from '@threadline/persistence';
import { REALTIME_CONFIG, RealtimeConfig } from './config/realtime.config';
import { ConnectionRegistry } from './connections/connection-registry';
import { ConversationHub } from './live/conversation-hub';
import { FanoutConsumer } from './live/fanout.consumer';
import { FanoutStart } from './live/fanout-start';
import { RealtimeMetrics } from './metrics/realtime-metrics';
import { ProjectionReader } from './stream/projection-reader';
import { ProjectorPosition } from './live/projector-position';
import { PhoenixGateway } from './protocols/phoenix/phoenix.gateway';
import { PlainWsGateway } from './protocols/plain-ws/plain-ws.gateway';
import { SseController } from './protocols/sse/sse.controller';
import { ConversationStreamFactory } from './stream/conversation-stream.factory';

/**
 * Streams each conversation to clients (Phoenix Channels, plain WebSocket, SSE), in seq order, resumable.
 * The WebSocket gateways run on RealtimeWsAdapter, which main.ts installs.
 */
@Module({})
export class RealtimeModule {
  static forRoot(config: RealtimeConfig): DynamicModule {
    return {
      module: RealtimeModule,
      imports: [
        ErrorsModule,
        ObservabilityModule.forRoot({ service: config.service, logLevel: config.logLevel }),
        KafkaModule.forRoot(config.kafka),
        PersistenceModule.forRoot(config.postgres),
        ArchiveStoreModule.forRoot(config.archive),
        AppConfigModule.forRoot(REALTIME_CONFIG, config),
      ],
      controllers: [SseController],
      providers: [
        RealtimeMetrics,
        ConversationHub,
        FanoutConsumer,
        FanoutStart,
        ProjectionReader,
        ProjectorPosition,
        ConversationStreamFactory,
        ConnectionRegistry,
        PhoenixGateway,
        PlainWsGateway,
      ],
    };
  }
}
