import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../../connections/connections.module';
import { InboxLiveModule } from '../../inbox/inbox-live.module';
import { RealtimeMetricsModule } from '../../metrics/realtime-metrics.module';
import { StreamModule } from '../../stream/stream.module';
import { InboxSseController } from './inbox-sse.controller';
import { SseController } from './sse.controller';
import { SseResponses } from './sse-responses';

/** Server-Sent Events: the stream, `/v1/conversations/{id}/events`, and inbox deltas, `/v1/participants/{id}/inbox/events`. */
@Module({
  imports: [StreamModule, ConnectionsModule, RealtimeMetricsModule, InboxLiveModule],
  controllers: [SseController, InboxSseController],
  providers: [SseResponses],
})
export class SseModule {}
