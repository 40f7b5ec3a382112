import { Logger } from '@nestjs/common';
import { checkAccess, Principal } from '@threadline/auth';
import { ApiError } from '@threadline/errors';
import { ClientConnection } from '../../connections/client-connection';
import { SessionLifecycleHub } from '../../live/session-lifecycle-hub';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { PhoenixChannels } from '../phoenix/phoenix-channels';
import { PhoenixAck } from '../phoenix/phoenix-messages';
import { PhoenixFrame } from '../phoenix/phoenix-protocol';
import { PhoenixSocketSession } from '../phoenix/phoenix-socket.gateway';
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

/**
 * One socket of Starcite's Phoenix endpoint: its joined `tail:{id}` and
 * `lifecycle` channels (PhoenixChannels answers heartbeats, leaves and the rest).
 */
export class SessionSocketSession implements PhoenixSocketSession {
  private readonly logger = new Logger(SessionSocketSession.name);
  readonly channels: PhoenixChannels;

  constructor(
    private readonly connection: ClientConnection,
    private readonly principal: Principal,
    maxChannels: number,
    private readonly streams: ConversationStreamFactory,
    private readonly lifecycle: SessionLifecycleHub,
    private readonly metrics: RealtimeMetrics,
  ) {
    this.channels = new PhoenixChannels(connection, maxChannels);
  }

  join(frame: PhoenixFrame, ack: PhoenixAck): void {
    if (frame.topic === LIFECYCLE_TOPIC) {
      this.joinLifecycle(frame, ack);
    } else if (frame.topic.startsWith(TAIL_TOPIC_PREFIX)) {
      this.joinTail(frame, ack);
    } else {
      this.channels.refuse(ack, 'unmatched topic');
    }
  }

  /** `tail:{id}` joined with `{cursor?, batch_size?}`: pushes `events` `{events: [...]}` and `gap`. */
  private joinTail(frame: PhoenixFrame, ack: PhoenixAck): void {
    const parsed = parseTailJoin(frame.topic, frame.payload);
    if (!parsed.ok) {
      this.channels.refuse(ack, parsed.reason);
      return;
    }
    const { request } = parsed;
    if (!this.mayRead(request.sessionId)) {
      this.channels.refuse(ack, 'unauthorized');
      return;
    }
    const { topic, joinRef } = frame;
    this.channels.open(frame, ack, () => {
      const tail = openSessionTail(
        this.streams,
        { tenantId: this.principal.tenantId, conversationId: request.sessionId },
        request,
        {
          events: (events) => this.push(eventsFrame(topic, joinRef, events), 'session_events'),
          gap: (gap) => this.push(gapFrame(topic, joinRef, gap), 'gap'),
          ended: () => this.channels.end(topic, 'phx_close'),
          failed: (error) => {
            this.logger.warn(`connection ${this.connection.id} (phoenix): tail ${topic} failed: ${error.message}`);
            this.channels.end(topic, 'phx_error');
          },
          whenWritable: () => this.connection.whenWritable(),
        },
        'phoenix',
      );
      return { start: () => void tail.start(), stop: () => tail.close() };
    });
  }

  /** `lifecycle`: the tenant's session.created / updated / archived / unarchived, live only. */
  private joinLifecycle(frame: PhoenixFrame, ack: PhoenixAck): void {
    if (!mayFollowLifecycle(this.principal)) {
      this.channels.refuse(ack, 'unauthorized');
      return;
    }
    const { topic, joinRef } = frame;
    this.channels.open(frame, ack, () => ({
      stop: this.lifecycle.subscribe(this.principal.tenantId, (lifecycle) => {
        this.push(lifecyclePush(topic, joinRef, lifecycle), lifecycle.type);
      }),
    }));
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

  private push(frame: PhoenixFrame, type: string): boolean {
    const sent = this.channels.send(frame);
    if (sent) {
      this.metrics.delivered.inc({ protocol: 'phoenix', type });
    }
    return sent;
  }
}
