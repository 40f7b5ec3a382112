import { Module } from '@nestjs/common';
import { RealtimeMetricsModule } from '../../metrics/realtime-metrics.module';
import { StreamModule } from '../../stream/stream.module';
import { SessionTailGateway } from './session-tail.gateway';

/** Starcite's raw WebSocket tail of one session, `/v1/sessions/{id}/tail`. */
@Module({
  imports: [StreamModule, RealtimeMetricsModule],
  providers: [SessionTailGateway],
})
export class SessionTailModule {}
