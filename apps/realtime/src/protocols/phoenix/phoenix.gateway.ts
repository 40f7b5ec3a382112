import { Inject, Logger, UseFilters } from '@nestjs/common';
import {
  Ack,
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { REALTIME_CONFIG, RealtimeConfig } from '../../config/realtime.config';
import { ClientConnection } from '../../connections/client-connection';
import { InboxDeltas } from '../../inbox/inbox-deltas';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { CloseOnErrorFilter } from '../../websocket/close-on-error.filter';
import { Admitted, RealtimeGatewayOptions } from '../../websocket/realtime-gateway-options';
import { serveConnection } from '../../websocket/serve-connection';
import { ANY_OTHER_EVENT, bindPhoenixMessages, PhoenixAck } from './phoenix-messages';
import { PhoenixEvent, PhoenixFrame } from './phoenix-protocol';
import { PhoenixSession } from './phoenix-session';
import { admitPhoenixUpgrade, PHOENIX_PATH } from './phoenix-upgrade';

/**
 * Serves `/socket/websocket?vsn=2.0.0`: FleetLM's Phoenix socket, one session per connection.
 * Each handler gets a decoded frame and the ack that sends its `phx_reply` (phoenix-messages.ts).
 */
@WebSocketGateway<RealtimeGatewayOptions>({
  path: PHOENIX_PATH,
  protocol: 'phoenix',
  admit: admitPhoenixUpgrade,
  credentialParam: 'token',
  bindMessages: bindPhoenixMessages,
})
@UseFilters(CloseOnErrorFilter)
export class PhoenixGateway implements OnGatewayConnection<ClientConnection> {
  private readonly logger = new Logger(PhoenixGateway.name);
  private readonly sessions = new WeakMap<ClientConnection, PhoenixSession>();

  constructor(
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
    private readonly inboxes: InboxDeltas,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  handleConnection(connection: ClientConnection, { principal }: Admitted<undefined>): void {
    serveConnection(connection, this.logger, () =>
      this.sessions.set(
        connection,
        new PhoenixSession(
          connection,
          principal,
          this.config.clients.maxSubscriptionsPerConnection,
          this.streams,
          this.metrics,
          this.inboxes,
        ),
      ),
    );
  }

  @SubscribeMessage(PhoenixEvent.Heartbeat)
  heartbeat(
    @ConnectedSocket() connection: ClientConnection,
    @MessageBody() frame: PhoenixFrame,
    @Ack() ack: PhoenixAck,
  ): void {
    this.session(connection).heartbeat(frame, ack);
  }

  @SubscribeMessage(PhoenixEvent.Join)
  join(
    @ConnectedSocket() connection: ClientConnection,
    @MessageBody() frame: PhoenixFrame,
    @Ack() ack: PhoenixAck,
  ): void {
    this.session(connection).join(frame, ack);
  }

  @SubscribeMessage(PhoenixEvent.Leave)
  leave(
    @ConnectedSocket() connection: ClientConnection,
    @MessageBody() frame: PhoenixFrame,
    @Ack() ack: PhoenixAck,
  ): void {
    this.session(connection).leave(frame, ack);
  }

  @SubscribeMessage(ANY_OTHER_EVENT)
  unhandled(
    @ConnectedSocket() connection: ClientConnection,
    @MessageBody() frame: PhoenixFrame,
    @Ack() ack: PhoenixAck,
  ): void {
    this.session(connection).unhandled(frame, ack);
  }

  private session(connection: ClientConnection): PhoenixSession {
    const session = this.sessions.get(connection);
    if (!session) {
      throw new Error(`connection ${connection.id} has no Phoenix session`);
    }
    return session;
  }
}
