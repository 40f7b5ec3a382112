import { Module } from '@nestjs/common';
import { RealtimeMetricsModule } from '../../metrics/realtime-metrics.module';
import { StreamModule } from '../../stream/stream.module';
import { PhoenixGateway } from './phoenix.gateway';

/** FleetLM's Phoenix Channels socket, `/socket/websocket`. */
@Module({
  imports: [StreamModule, RealtimeMetricsModule],
  providers: [PhoenixGateway],
})
export class PhoenixModule {}
