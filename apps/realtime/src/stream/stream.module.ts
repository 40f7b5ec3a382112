import { Module } from '@nestjs/common';
import { LiveModule } from '../live/live.module';
import { RunsLiveModule } from '../runs/runs-live.module';
import { RealtimeMetricsModule } from '../metrics/realtime-metrics.module';
import { ConversationStreamFactory } from './conversation-stream.factory';
import { ProjectionReader } from './projection-reader';

/**
 * One conversation's stream for one subscriber: catch-up from the projection, then
 * the hub's live events, in seq order. Protocols get streams from ConversationStreamFactory.
 */
@Module({
  imports: [LiveModule, RunsLiveModule, RealtimeMetricsModule],
  providers: [ProjectionReader, ConversationStreamFactory],
  exports: [ConversationStreamFactory],
})
export class StreamModule {}
