import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../../connections/connections.module';
import { RealtimeMetricsModule } from '../../metrics/realtime-metrics.module';
import { StreamModule } from '../../stream/stream.module';
import { SseController } from './sse.controller';

/** The stream as Server-Sent Events, `/v1/conversations/{id}/events`. */
@Module({
  imports: [StreamModule, ConnectionsModule, RealtimeMetricsModule],
  controllers: [SseController],
})
export class SseModule {}
