import { Logger } from '@nestjs/common';
import { checkAccess, inboxView, Principal } from '@threadline/auth';
import { PARTICIPANT_ID_PATTERN } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { ClientConnection } from '../../connections/client-connection';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { InboxDeltas } from '../../inbox/inbox-deltas';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { SubscriberOutput } from '../../stream/run-output';
import { PhoenixAck } from './phoenix-messages';
import { PhoenixChannels } from './phoenix-channels';
import { PhoenixSocketSession } from './phoenix-socket.gateway';
import { INBOX_TOPIC_PREFIX, inboxDeltaFrame, parseJoin, PhoenixFrame, pushFrame } from './phoenix-protocol';

/**
 * One Phoenix socket: its joined channels (a conversation stream or an inbox's
 * deltas each), the replies to its pushes, the frames it is sent.
 */
export class PhoenixSession implements PhoenixSocketSession {
  private readonly logger = new Logger(PhoenixSession.name);
  readonly channels: PhoenixChannels;

  constructor(
    private readonly connection: ClientConnection,
    private readonly principal: Principal,
    maxChannels: number,
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
    private readonly inboxes: InboxDeltas,
  ) {
    this.channels = new PhoenixChannels(connection, maxChannels);
  }

  join(frame: PhoenixFrame, ack: PhoenixAck): void {
    if (frame.topic.startsWith(INBOX_TOPIC_PREFIX)) {
      this.joinInbox(frame, ack);
      return;
    }
    const parsed = parseJoin(frame.topic, frame.payload);
    if (!parsed.ok) {
      this.channels.refuse(ack, parsed.reason);
      return;
    }
    const { conversationId, cursor, runCursors } = parsed.request;
    if (!this.mayRead(conversationId)) {
      this.channels.refuse(ack, 'unauthorized');
      return;
    }
    const { topic, joinRef } = frame;
    this.channels.open(frame, ack, () => {
      const stream = this.streams.create(
        { tenantId: this.principal.tenantId, conversationId },
        cursor,
        {
          deliver: (output) => this.deliver(topic, joinRef, output),
          whenWritable: () => this.connection.whenWritable(),
          fail: (error) => {
            this.logger.warn(`connection ${this.connection.id} (phoenix): stream ${topic} failed: ${error.message}`);
            this.channels.end(topic, 'phx_error');
          },
        },
        'phoenix',
        runCursors,
      );
      return { start: () => void stream.start(), stop: () => stream.close() };
    });
  }

  /**
   * `inbox:{participant_id}`: the participant's own inbox, or any inbox of the
   * tenant for a service credential (inboxView), with the read scope; pushes
   * `inbox_delta` at most once a second.
   */
  private joinInbox(frame: PhoenixFrame, ack: PhoenixAck): void {
    const participantId = frame.topic.slice(INBOX_TOPIC_PREFIX.length);
    if (!PARTICIPANT_ID_PATTERN.test(participantId)) {
      this.channels.refuse(ack, 'unmatched topic');
      return;
    }
    const view = this.inboxView(participantId);
    if (view === null) {
      this.channels.refuse(ack, 'unauthorized');
      return;
    }
    const { topic, joinRef } = frame;
    this.channels.open(frame, ack, () => ({
      stop: this.inboxes.subscribe(
        { tenantId: this.principal.tenantId, participantId, kind: view.kind === 'any' ? null : view.kind },
        (conversations) => {
          if (this.channels.send(inboxDeltaFrame(topic, joinRef, conversations))) {
            this.metrics.delivered.inc({ protocol: 'phoenix', type: 'inbox_delta' });
          }
        },
      ),
    }));
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
    if (this.channels.send(pushFrame(topic, joinRef, output))) {
      this.metrics.delivered.inc({ protocol: 'phoenix', type: output.kind });
    }
    if (output.kind === 'deleted') {
      this.channels.end(topic, 'phx_close');
    }
  }
}
