import { Logger } from '@nestjs/common';
import { ClientConnection } from '../../connections/client-connection';
import { CloseCode, CloseReason } from '../../connections/close-codes';
import { RealtimeMetrics } from '../../metrics/realtime-metrics.service';
import { ConversationStream } from '../../stream/conversation-stream';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { StreamOutput } from '../../stream/stream-entry';
import { PhoenixReplyReason } from '../error-codes';
import {
  channelEndFrame,
  decodeFrame,
  encodeFrame,
  HEARTBEAT_TOPIC,
  parseJoin,
  PhoenixEvent,
  PhoenixFrame,
  pushFrame,
  replyFrame,
} from './phoenix-protocol';

interface JoinedChannel {
  joinRef: string | null;
  stream: ConversationStream;
}

/** One Phoenix socket: its joined channels (one conversation stream each) and the frames it exchanges. */
export class PhoenixSession {
  private readonly logger = new Logger(PhoenixSession.name);
  private readonly channels = new Map<string, JoinedChannel>();

  constructor(
    private readonly connection: ClientConnection,
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
  ) {
    connection.onClosed(() => this.closeAll());
  }

  /** One text frame. A frame that is not a Phoenix v2 JSON array closes the socket with 1008. */
  receive(text: string): void {
    const frame = decodeFrame(text);
    if (!frame) {
      this.refuse(CloseCode.PolicyViolation, CloseReason.InvalidFrame, `not Phoenix v2 JSON: ${text.slice(0, 100)}`);
      return;
    }
    if (frame.topic === HEARTBEAT_TOPIC && frame.event === PhoenixEvent.Heartbeat) {
      this.send(replyFrame(frame, 'ok'));
      return;
    }
    switch (frame.event) {
      case PhoenixEvent.Join:
        this.join(frame);
        return;
      case PhoenixEvent.Leave:
        this.leave(frame);
        return;
      default:
        this.send(
          replyFrame(frame, 'error', {
            reason: (this.channels.has(frame.topic)
              ? 'unsupported_event'
              : 'unmatched topic') satisfies PhoenixReplyReason,
          }),
        );
    }
  }

  /** Phoenix's binary frames carry binary payloads, which no channel here takes: the socket closes with 1003. */
  receiveBinary(): void {
    this.refuse(CloseCode.UnsupportedData, CloseReason.BinaryFrame, 'a binary frame');
  }

  private refuse(code: number, reason: string, what: string): void {
    this.metrics.clientViolations.inc({ protocol: 'phoenix', reason });
    this.logger.warn(`connection ${this.connection.id} (phoenix) closed with ${code}: ${what}`);
    this.connection.close(code, reason);
  }

  private join(frame: PhoenixFrame): void {
    const parsed = parseJoin(frame.topic, frame.payload);
    if (!parsed.ok) {
      this.send(replyFrame(frame, 'error', { reason: parsed.reason }));
      return;
    }
    // A second join of a topic replaces the first, as in Phoenix: the old channel is closed.
    this.end(frame.topic, 'phx_close');
    const { topic, joinRef } = frame;
    const { conversationId, cursor } = parsed.request;
    const stream = this.streams.create(
      conversationId,
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
    );
    this.channels.set(topic, { joinRef, stream });
    this.send(replyFrame(frame, 'ok'));
    void stream.start();
  }

  private leave(frame: PhoenixFrame): void {
    const channel = this.channels.get(frame.topic);
    this.send(replyFrame(frame, 'ok'));
    if (channel) {
      this.end(frame.topic, 'phx_close');
    }
  }

  private deliver(topic: string, joinRef: string | null, output: StreamOutput): void {
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
    channel.stream.close();
    this.send(channelEndFrame(topic, channel.joinRef, event));
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
      channel.stream.close();
    }
    this.channels.clear();
  }
}
