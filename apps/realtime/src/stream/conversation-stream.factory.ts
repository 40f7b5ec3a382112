import { Inject, Injectable } from '@nestjs/common';
import { ConversationRef, conversationKey } from '@threadline/contracts';
import { RunsReader } from '@threadline/persistence';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { ConversationHub } from '../live/conversation-hub';
import { ClientProtocol, RealtimeMetrics } from '../metrics/realtime-metrics';
import { RunsHub } from '../runs/runs-hub';
import { ProjectionReader } from './projection-reader';
import { ConversationStream, StreamDependencies } from './conversation-stream';
import { RunFollower, RunFollowerDependencies } from './run-follower';
import { RunCursors } from './run-output';
import { StreamSink } from './stream-sink';
import { SubscriberStream } from './subscriber-stream';

/** Builds subscriber streams wired to the live hubs, the Postgres projection and the metrics. */
@Injectable()
export class ConversationStreamFactory {
  private readonly deps: StreamDependencies;
  private readonly runDeps: RunFollowerDependencies;

  constructor(
    hub: ConversationHub,
    runsHub: RunsHub,
    reader: ProjectionReader,
    runs: RunsReader,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) config: RealtimeConfig,
  ) {
    this.deps = {
      subscribe: (conversation, listener) => hub.subscribe(conversationKey(conversation), listener),
      readEntries: (conversation, range) => reader.entries(conversation, range),
      readState: (conversation) => reader.state(conversation),
      liveHead: (conversation) => hub.liveHead(conversationKey(conversation)) ?? null,
      countGap: () => metrics.gaps.inc(),
      settings: config.stream,
    };
    this.runDeps = {
      subscribe: (conversation, listener) => runsHub.subscribe(conversationKey(conversation), listener),
      liveRuns: (conversation) => runsHub.liveRuns(conversationKey(conversation)),
      streamingRuns: async (conversation) => (await runs.streamingRuns(conversation)).map((run) => run.run_id),
      runEnd: async (conversation, runId) => {
        const run = await runs.run(conversation.tenantId, runId);
        if (run === null || run.status === 'streaming' || run.conversation_id !== conversation.conversationId) {
          return null;
        }
        return { status: run.status, reason: run.reason, lastRunSeq: run.last_run_seq, messageSeqs: run.message_seqs };
      },
      events: (conversation, runId, after, limit) => runs.events(conversation.tenantId, runId, after, limit),
      settings: config.stream,
    };
  }

  /**
   * A stream after `cursor` (null: live only) and after `runCursors` for the runs
   * the client has events of, for a client of `protocol`; call `start()` on it.
   */
  create(
    conversation: ConversationRef,
    cursor: number | null,
    sink: StreamSink,
    protocol: ClientProtocol,
    runCursors: RunCursors = new Map(),
  ): SubscriberStream {
    this.metrics.subscriptions.inc({ protocol });
    let messages: ConversationStream | null = null;
    const runs = new RunFollower(conversation, runCursors, sink, this.runDeps, (error) => {
      messages?.close();
      sink.fail(error);
    });
    messages = new ConversationStream(
      conversation,
      cursor,
      { deliver: (output) => runs.pass(output), whenWritable: () => sink.whenWritable(), fail: (e) => sink.fail(e) },
      this.deps,
      () => {
        runs.close();
        this.metrics.subscriptions.dec({ protocol });
      },
    );
    return new SubscriberStream(messages, runs);
  }
}
