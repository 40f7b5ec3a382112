import { ClientConnection } from '../../connections/client-connection';
import { PhoenixReplyReason } from '../error-codes';
import { PhoenixAck, PhoenixReply } from './phoenix-messages';
import { channelEndFrame, encodeFrame, HEARTBEAT_TOPIC, PhoenixFrame } from './phoenix-protocol';

/** What feeds a channel (a stream, a subscription). */
export interface ChannelFeed {
  /** Called once the join's `ok` reply is queued: a stream starts pushing then. */
  start?(): void;
  stop(): void;
}

interface JoinedChannel {
  joinRef: string | null;
  feed: ChannelFeed;
}

/**
 * The joined channels of one Phoenix socket and what every socket answers alike:
 * heartbeats, leaves, events no channel serves, replies and pushes (a socket that
 * cannot take a frame has all its channels stopped). What a topic's join does is
 * its session's (PhoenixSession, SessionSocketSession).
 */
export class PhoenixChannels {
  private readonly channels = new Map<string, JoinedChannel>();

  constructor(
    private readonly connection: ClientConnection,
    private readonly maxChannels: number,
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

  leave(frame: PhoenixFrame, ack: PhoenixAck): void {
    const channel = this.channels.get(frame.topic);
    this.reply(ack, 'ok');
    if (channel) {
      this.end(frame.topic, 'phx_close');
    }
  }

  /** Refuses a join with an error reply and `reason`. */
  refuse(ack: PhoenixAck, reason: PhoenixReplyReason): void {
    this.reply(ack, 'error', { reason });
  }

  /**
   * Joins the frame's topic: `too_many_subscriptions` when the socket is full;
   * else a join of a joined topic closes the old channel first (as in Phoenix), the
   * new channel's feed is made, the join is answered `ok`, and the feed started.
   */
  open(frame: PhoenixFrame, ack: PhoenixAck, makeFeed: () => ChannelFeed): void {
    if (!this.channels.has(frame.topic) && this.channels.size >= this.maxChannels) {
      this.refuse(ack, 'too_many_subscriptions');
      return;
    }
    this.end(frame.topic, 'phx_close');
    const feed = makeFeed();
    this.channels.set(frame.topic, { joinRef: frame.joinRef, feed });
    this.reply(ack, 'ok');
    feed.start?.();
  }

  /** Stops a channel's feed and tells the client (phx_error makes the client rejoin). */
  end(topic: string, event: 'phx_close' | 'phx_error'): void {
    const channel = this.channels.get(topic);
    if (!channel) {
      return;
    }
    this.channels.delete(topic);
    channel.feed.stop();
    this.send(channelEndFrame(topic, channel.joinRef, event));
  }

  /** Sends a frame; false (and every channel stopped) when the socket cannot take it. */
  send(frame: PhoenixFrame): boolean {
    if (this.connection.send(encodeFrame(frame))) {
      return true;
    }
    this.closeAll();
    return false;
  }

  private reply(ack: PhoenixAck, status: PhoenixReply['status'], response?: Record<string, unknown>): void {
    if (!ack(status, response)) {
      this.closeAll();
    }
  }

  private closeAll(): void {
    for (const channel of this.channels.values()) {
      channel.feed.stop();
    }
    this.channels.clear();
  }
}
