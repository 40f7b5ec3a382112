import { Module } from '@nestjs/common';
import { RealtimeMetricsModule } from '../metrics/realtime-metrics.module';
import { ConversationHub } from './conversation-hub';
import { FanoutStart } from './fanout-start';
import { FanoutConsumer } from './fanout.consumer';
import { ProjectorPosition } from './projector-position';
import { SessionLifecycleHub } from './session-lifecycle-hub';

/**
 * Kafka → the in-process hub: the fan-out consumer reads every partition from the
 * projector's positions and hands each event to ConversationHub (SessionLifecycleHub
 * makes the session lifecycle frames of its events). A new consumer of the topic for
 * realtime goes here.
 */
@Module({
  imports: [RealtimeMetricsModule],
  providers: [ConversationHub, FanoutConsumer, FanoutStart, ProjectorPosition, SessionLifecycleHub],
  exports: [ConversationHub, FanoutStart, ProjectorPosition, SessionLifecycleHub],
})
export class LiveModule {}
