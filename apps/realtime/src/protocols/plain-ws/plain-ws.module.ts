import { Module } from '@nestjs/common';
import { RealtimeMetricsModule } from '../../metrics/realtime-metrics.module';
import { StreamModule } from '../../stream/stream.module';
import { PlainWsGateway } from './plain-ws.gateway';

/** One conversation per plain WebSocket, `/v1/conversations/{id}/stream`. */
@Module({
  imports: [StreamModule, RealtimeMetricsModule],
  providers: [PlainWsGateway],
})
export class PlainWsModule {}
