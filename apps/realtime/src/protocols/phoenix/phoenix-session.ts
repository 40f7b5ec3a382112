import { Logger } from '@nestjs/common';
import { checkAccess, inboxView, Principal } from '@threadline/auth';
import { PARTICIPANT_ID_PATTERN } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { ClientConnection } from '../../connections/client-connection';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { InboxDeltas } from '../../inbox/inbox-deltas';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { SubscriberOutput } from '../../stream/run-output';
import { PhoenixReplyReason } from '../error-codes';
import { PhoenixAck, PhoenixReply } from './phoenix-messages';
import {
  channelEndFrame,
  encodeFrame,
  HEARTBEAT_TOPIC,
  INBOX_TOPIC_PREFIX,
  inboxDeltaFrame,
  parseJoin,
  PhoenixFrame,
  pushFrame,
} from './phoenix-protocol';

interface JoinedChannel {
  joinRef: string | null;
  /** Stops what feeds the channel (a conversation stream, an inbox subscription). */
  stop: () => void;
}

/**
 * One Phoenix socket: its joined channels (a conversation stream or an inbox's
 * deltas each), the replies to its pushes, the frames it is sent.
 */
export class PhoenixSession {
  private readonly logger = new Logger(PhoenixSession.name);
  private readonly channels = new Map<string, JoinedChannel>();

  constructor(
    private readonly connection: ClientConnection,
    private readonly principal: Principal,
    private readonly maxChannels: number,
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
    private readonly inboxes: InboxDeltas,
  ) {
    connection.onClosed(() => this.closeAll());
  }

  /** `heartbeat` on the `phoenix` topic; on any other topic it is an event no channel serves. */
  heartbeat(frame: PhoenixFrame, ack: PhoenixAck): void {
    if (frame.topic !== HEARTBEAT_TOPIC) {
      this.unhandled(frame, ack);
      return;
    }
    this.reply(ack, 'ok');
  }

  /** An event no handler serves: on a joined topic it is not supported, on any other the topic is unmatched. */
  unhandled(frame: PhoenixFrame, ack: PhoenixAck): void {
    this.reply(ack, 'error', {
      reason: (this.channels.has(frame.topic) ? 'unsupported_event' : 'unmatched topic') satisfies PhoenixReplyReason,
    });
  }

  join(frame: PhoenixFrame, ack: PhoenixAck): void {
    if (frame.topic.startsWith(INBOX_TOPIC_PREFIX)) {
      this.joinInbox(frame, ack);
      return;
    }
    const parsed = parseJoin(frame.topic, frame.payload);
    if (!parsed.ok) {
      this.reply(ack, 'error', { reason: parsed.reason });
      return;
    }
    const { conversationId, cursor, runCursors } = parsed.request;
    if (!this.mayRead(conversationId)) {
      this.reply(ack, 'error', { reason: 'unauthorized' satisfies PhoenixReplyReason });
      return;
    }
    if (!this.channels.has(frame.topic) && this.channels.size >= this.maxChannels) {
      this.reply(ack, 'error', { reason: 'too_many_subscriptions' satisfies PhoenixReplyReason });
      return;
    }
    // A second join of a topic replaces the first, as in Phoenix: the old channel is closed.
    this.end(frame.topic, 'phx_close');
    const { topic, joinRef } = frame;
    const stream = this.streams.create(
      { tenantId: this.principal.tenantId, conversationId },
      cursor,
      {
        deliver: (output) => this.deliver(topic, joinRef, output),
        whenWritable: () => this.connection.whenWritable(),
        fail: (error) => {
          this.logger.warn(`connection ${this.connection.id} (phoenix): stream ${topic} failed: ${error.message}`);
          this.end(topic, 'phx_error');
        },
      },
      'phoenix',
      runCursors,
    );
    this.channels.set(topic, { joinRef, stop: () => stream.close() });
    this.reply(ack, 'ok');
    void stream.start();
  }

  /**
   * `inbox:{participant_id}`: the participant's own inbox, or any inbox of the
   * tenant for a service credential (inboxView), with the read scope; pushes
   * `inbox_delta` at most once a second.
   */
  private joinInbox(frame: PhoenixFrame, ack: PhoenixAck): void {
    const participantId = frame.topic.slice(INBOX_TOPIC_PREFIX.length);
    if (!PARTICIPANT_ID_PATTERN.test(participantId)) {
      this.reply(ack, 'error', { reason: 'unmatched topic' satisfies PhoenixReplyReason });
      return;
    }
    const view = this.inboxView(participantId);
    if (view === null) {
      this.reply(ack, 'error', { reason: 'unauthorized' satisfies PhoenixReplyReason });
      return;
    }
    if (!this.channels.has(frame.topic) && this.channels.size >= this.maxChannels) {
      this.reply(ack, 'error', { reason: 'too_many_subscriptions' satisfies PhoenixReplyReason });
      return;
    }
    this.end(frame.topic, 'phx_close');
    const { topic, joinRef } = frame;
    const stop = this.inboxes.subscribe(
      { tenantId: this.principal.tenantId, participantId, kind: view.kind === 'any' ? null : view.kind },
      (conversations) => {
        if (this.send(inboxDeltaFrame(topic, joinRef, conversations))) {
          this.metrics.delivered.inc({ protocol: 'phoenix', type: 'inbox_delta' });
        }
      },
    );
    this.channels.set(topic, { joinRef, stop });
    this.reply(ack, 'ok');
  }

  leave(frame: PhoenixFrame, ack: PhoenixAck): void {
    const channel = this.channels.get(frame.topic);
    this.reply(ack, 'ok');
    if (channel) {
      this.end(frame.topic, 'phx_close');
    }
  }

  /** The socket's credential has the read scope and, if pinned, is pinned to this conversation. */
  private mayRead(conversationId: string): boolean {
    try {
      checkAccess(this.principal, ['conversations:read'], conversationId);
      return true;
    } catch (error) {
      if (error instanceof ApiError) {
        return false;
      }
      throw error;
    }
  }

  /** What of the inbox the socket's credential may see, or null when it may not read it. */
  private inboxView(participantId: string): ReturnType<typeof inboxView> | null {
    try {
      checkAccess(this.principal, ['conversations:read'], undefined);
      return inboxView(this.principal, participantId);
    } catch (error) {
      if (error instanceof ApiError) {
        return null;
      }
      throw error;
    }
  }

  private deliver(topic: string, joinRef: string | null, output: SubscriberOutput): void {
    if (this.send(pushFrame(topic, joinRef, output))) {
      this.metrics.delivered.inc({ protocol: 'phoenix', type: output.kind });
    }
    if (output.kind === 'deleted') {
      this.end(topic, 'phx_close');
    }
  }

  /** Stops a channel's stream and tells the client (phx_error makes the client rejoin). */
  private end(topic: string, event: 'phx_close' | 'phx_error'): void {
    const channel = this.channels.get(topic);
    if (!channel) {
      return;
    }
    this.channels.delete(topic);
    channel.stop();
    this.send(channelEndFrame(topic, channel.joinRef, event));
  }

  private reply(ack: PhoenixAck, status: PhoenixReply['status'], response?: Record<string, unknown>): void {
    if (!ack(status, response)) {
      this.closeAll();
    }
  }

  private send(frame: PhoenixFrame): boolean {
    if (this.connection.send(encodeFrame(frame))) {
      return true;
    }
    this.closeAll();
    return false;
  }

  private closeAll(): void {
    for (const channel of this.channels.values()) {
      channel.stop();
    }
    this.channels.clear();
  }
}
