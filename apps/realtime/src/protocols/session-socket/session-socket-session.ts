import { Logger } from '@nestjs/common';
import { checkAccess, Principal } from '@threadline/auth';
import { ApiError } from '@threadline/errors';
import { ClientConnection } from '../../connections/client-connection';
import { SessionLifecycleHub } from '../../live/session-lifecycle-hub';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { PhoenixReplyReason } from '../error-codes';
import { PhoenixAck, PhoenixReply } from '../phoenix/phoenix-messages';
import { channelEndFrame, encodeFrame, HEARTBEAT_TOPIC, PhoenixFrame } from '../phoenix/phoenix-protocol';
import { openSessionTail } from '../session-tail/session-tail-feed';
import { mayFollowLifecycle } from './lifecycle-access';
import {
  eventsFrame,
  gapFrame,
  LIFECYCLE_TOPIC,
  lifecyclePush,
  parseTailJoin,
  TAIL_TOPIC_PREFIX,
} from './session-socket-frames';

interface JoinedChannel {
  joinRef: string | null;
  /** Stops what feeds the channel (a session tail, a lifecycle subscription). */
  stop: () => void;
}

/**
 * One socket of Starcite's Phoenix endpoint: its joined `tail:{id}` and
 * `lifecycle` channels, the replies to its pushes, the frames it is sent.
 */
export class SessionSocketSession {
  private readonly logger = new Logger(SessionSocketSession.name);
  private readonly channels = new Map<string, JoinedChannel>();

  constructor(
    private readonly connection: ClientConnection,
    private readonly principal: Principal,
    private readonly maxChannels: number,
    private readonly streams: ConversationStreamFactory,
    private readonly lifecycle: SessionLifecycleHub,
    private readonly metrics: RealtimeMetrics,
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
    if (frame.topic === LIFECYCLE_TOPIC) {
      this.joinLifecycle(frame, ack);
    } else if (frame.topic.startsWith(TAIL_TOPIC_PREFIX)) {
      this.joinTail(frame, ack);
    } else {
      this.reply(ack, 'error', { reason: 'unmatched topic' satisfies PhoenixReplyReason });
    }
  }

  leave(frame: PhoenixFrame, ack: PhoenixAck): void {
    const channel = this.channels.get(frame.topic);
    this.reply(ack, 'ok');
    if (channel) {
      this.end(frame.topic, 'phx_close');
    }
  }

  /** `tail:{id}` joined with `{cursor?, batch_size?}`: pushes `events` `{events: [...]}` and `gap`. */
  private joinTail(frame: PhoenixFrame, ack: PhoenixAck): void {
    const parsed = parseTailJoin(frame.topic, frame.payload);
    if (!parsed.ok) {
      this.reply(ack, 'error', { reason: parsed.reason });
      return;
    }
    const { request } = parsed;
    if (!this.mayRead(request.sessionId)) {
      this.reply(ack, 'error', { reason: 'unauthorized' satisfies PhoenixReplyReason });
      return;
    }
    if (!this.hasRoomFor(frame.topic)) {
      this.reply(ack, 'error', { reason: 'too_many_subscriptions' satisfies PhoenixReplyReason });
      return;
    }
    // A second join of a topic replaces the first, as in Phoenix: the old channel is closed.
    this.end(frame.topic, 'phx_close');
    const { topic, joinRef } = frame;
    const tail = openSessionTail(
      this.streams,
      { tenantId: this.principal.tenantId, conversationId: request.sessionId },
      request,
      {
        events: (events) => this.push(eventsFrame(topic, joinRef, events), 'session_events'),
        gap: (gap) => this.push(gapFrame(topic, joinRef, gap), 'gap'),
        ended: () => this.end(topic, 'phx_close'),
        failed: (error) => {
          this.logger.warn(`connection ${this.connection.id} (phoenix): tail ${topic} failed: ${error.message}`);
          this.end(topic, 'phx_error');
        },
        whenWritable: () => this.connection.whenWritable(),
      },
      'phoenix',
    );
    this.channels.set(topic, { joinRef, stop: () => tail.close() });
    this.reply(ack, 'ok');
    void tail.start();
  }

  /** `lifecycle`: the tenant's session.created / updated / archived / unarchived, live only. */
  private joinLifecycle(frame: PhoenixFrame, ack: PhoenixAck): void {
    if (!mayFollowLifecycle(this.principal)) {
      this.reply(ack, 'error', { reason: 'unauthorized' satisfies PhoenixReplyReason });
      return;
    }
    if (!this.hasRoomFor(frame.topic)) {
      this.reply(ack, 'error', { reason: 'too_many_subscriptions' satisfies PhoenixReplyReason });
      return;
    }
    this.end(frame.topic, 'phx_close');
    const { topic, joinRef } = frame;
    const stop = this.lifecycle.subscribe(this.principal.tenantId, (lifecycle) => {
      this.push(lifecyclePush(topic, joinRef, lifecycle), lifecycle.type);
    });
    this.channels.set(topic, { joinRef, stop });
    this.reply(ack, 'ok');
  }

  /** The socket's credential has the read scope and, if pinned, is pinned to this session. */
  private mayRead(sessionId: string): boolean {
    try {
      checkAccess(this.principal, ['conversations:read'], sessionId);
      return true;
    } catch (error) {
      if (error instanceof ApiError) {
        return false;
      }
      throw error;
    }
  }

  private hasRoomFor(topic: string): boolean {
    return this.channels.has(topic) || this.channels.size < this.maxChannels;
  }

  private push(frame: PhoenixFrame, type: string): boolean {
    const sent = this.send(frame);
    if (sent) {
      this.metrics.delivered.inc({ protocol: 'phoenix', type });
    }
    return sent;
  }

  /** Stops a channel's feed and tells the client (phx_error makes the client rejoin). */
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
