import { Module } from '@nestjs/common';
import { InboxLiveModule } from '../../inbox/inbox-live.module';
import { RealtimeMetricsModule } from '../../metrics/realtime-metrics.module';
import { StreamModule } from '../../stream/stream.module';
import { PhoenixGateway } from './phoenix.gateway';

/** FleetLM's Phoenix Channels socket, `/socket/websocket`: conversation topics and inbox topics. */
@Module({
  imports: [StreamModule, RealtimeMetricsModule, InboxLiveModule],
  providers: [PhoenixGateway],
})
export class PhoenixModule {}
