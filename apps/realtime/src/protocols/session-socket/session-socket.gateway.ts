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
import { SessionLifecycleHub } from '../../live/session-lifecycle-hub';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { CloseOnErrorFilter } from '../../websocket/close-on-error.filter';
import { Admitted, RealtimeGatewayOptions } from '../../websocket/realtime-gateway-options';
import { serveConnection } from '../../websocket/serve-connection';
import { ANY_OTHER_EVENT, bindPhoenixMessages, PhoenixAck } from '../phoenix/phoenix-messages';
import { PhoenixEvent, PhoenixFrame } from '../phoenix/phoenix-protocol';
import { admitPhoenixUpgrade } from '../phoenix/phoenix-upgrade';
import { SessionSocketSession } from './session-socket-session';

/** Where the Phoenix JS client connects for the endpoint `/v1/socket` (it appends `/websocket`). */
export const SESSION_SOCKET_PATH = '/v1/socket/websocket';

/**
 * Serves `/v1/socket/websocket?vsn=2.0.0&token=...`: Starcite's Phoenix socket,
 * topics `tail:{session_id}` and `lifecycle`, one SessionSocketSession per
 * connection, on the same Phoenix machinery as FleetLM's `/socket/websocket`.
 */
@WebSocketGateway<RealtimeGatewayOptions>({
  path: SESSION_SOCKET_PATH,
  protocol: 'phoenix',
  admit: admitPhoenixUpgrade,
  credentialParam: 'token',
  bindMessages: bindPhoenixMessages,
})
@UseFilters(CloseOnErrorFilter)
export class SessionSocketGateway implements OnGatewayConnection<ClientConnection> {
  private readonly logger = new Logger(SessionSocketGateway.name);
  private readonly sessions = new WeakMap<ClientConnection, SessionSocketSession>();

  constructor(
    private readonly streams: ConversationStreamFactory,
    private readonly lifecycle: SessionLifecycleHub,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  handleConnection(connection: ClientConnection, { principal }: Admitted<undefined>): void {
    serveConnection(connection, this.logger, () =>
      this.sessions.set(
        connection,
        new SessionSocketSession(
          connection,
          principal,
          this.config.clients.maxSubscriptionsPerConnection,
          this.streams,
          this.lifecycle,
          this.metrics,
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

  private session(connection: ClientConnection): SessionSocketSession {
    const session = this.sessions.get(connection);
    if (!session) {
      throw new Error(`connection ${connection.id} has no Phoenix session`);
    }
    return session;
  }
}
