import { Module } from '@nestjs/common';
import { LiveModule } from '../../live/live.module';
import { RealtimeMetricsModule } from '../../metrics/realtime-metrics.module';
import { StreamModule } from '../../stream/stream.module';
import { SessionSocketGateway } from './session-socket.gateway';

/** Starcite's Phoenix socket, `/v1/socket/websocket`: `tail:{id}` and `lifecycle` topics. */
@Module({
  imports: [StreamModule, RealtimeMetricsModule, LiveModule],
  providers: [SessionSocketGateway],
})
export class SessionSocketModule {}
