import { Inject, Logger, UseFilters } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { Principal } from '@threadline/auth';
import { REALTIME_CONFIG, RealtimeConfig } from '../../config/realtime.config';
import { ClientConnection } from '../../connections/client-connection';
import { SessionLifecycleHub } from '../../live/session-lifecycle-hub';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { CloseOnErrorFilter } from '../../websocket/close-on-error.filter';
import { RealtimeGatewayOptions } from '../../websocket/realtime-gateway-options';
import { bindPhoenixMessages } from '../phoenix/phoenix-messages';
import { PhoenixSocketGateway } from '../phoenix/phoenix-socket.gateway';
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
export class SessionSocketGateway extends PhoenixSocketGateway<SessionSocketSession> {
  constructor(
    private readonly streams: ConversationStreamFactory,
    private readonly lifecycle: SessionLifecycleHub,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {
    super(new Logger(SessionSocketGateway.name));
  }

  protected openSession(connection: ClientConnection, principal: Principal): SessionSocketSession {
    return new SessionSocketSession(
      connection,
      principal,
      this.config.clients.maxSubscriptionsPerConnection,
      this.streams,
      this.lifecycle,
      this.metrics,
    );
  }
}
