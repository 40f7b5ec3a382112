import { Inject, Injectable } from '@nestjs/common';
import { ConversationRef, conversationKey } from '@threadline/contracts';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { ConversationHub } from '../live/conversation-hub';
import { ClientProtocol, RealtimeMetrics } from '../metrics/realtime-metrics';
import { ProjectionReader } from './projection-reader';
import { ConversationStream, StreamDependencies } from './conversation-stream';
import { StreamSink } from './stream-sink';

/** Builds conversation streams wired to the live hub, the Postgres projection and the metrics. */
@Injectable()
export class ConversationStreamFactory {
  private readonly deps: StreamDependencies;

  constructor(
    hub: ConversationHub,
    reader: ProjectionReader,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) config: RealtimeConfig,
  ) {
    this.deps = {
      subscribe: (conversation, listener) => hub.subscribe(conversationKey(conversation), listener),
      readEntries: (conversation, range) => reader.entries(conversation, range),
      readState: (conversation) => reader.state(conversation),
      countGap: () => metrics.gaps.inc(),
      settings: config.stream,
    };
  }

  /** A stream after `cursor` (null: live only) for a client of `protocol`; call `start()` on it. */
  create(
    conversation: ConversationRef,
    cursor: number | null,
    sink: StreamSink,
    protocol: ClientProtocol,
  ): ConversationStream {
    this.metrics.subscriptions.inc({ protocol });
    return new ConversationStream(conversation, cursor, sink, this.deps, () =>
      this.metrics.subscriptions.dec({ protocol }),
    );
  }
}
