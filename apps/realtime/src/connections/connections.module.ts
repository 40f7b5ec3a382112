import { Module } from '@nestjs/common';
import { RealtimeMetricsModule } from '../metrics/realtime-metrics.module';
import { ConnectionRegistry } from './connection-registry';

/** Every connected client of every protocol: heartbeats, the connected gauge, the drain on shutdown. */
@Module({
  imports: [RealtimeMetricsModule],
  providers: [ConnectionRegistry],
  exports: [ConnectionRegistry],
})
export class ConnectionsModule {}
