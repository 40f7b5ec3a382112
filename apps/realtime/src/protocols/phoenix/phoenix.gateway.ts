import { Inject, Logger, UseFilters } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { Principal } from '@threadline/auth';
import { REALTIME_CONFIG, RealtimeConfig } from '../../config/realtime.config';
import { ClientConnection } from '../../connections/client-connection';
import { InboxDeltas } from '../../inbox/inbox-deltas';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { CloseOnErrorFilter } from '../../websocket/close-on-error.filter';
import { RealtimeGatewayOptions } from '../../websocket/realtime-gateway-options';
import { bindPhoenixMessages } from './phoenix-messages';
import { PhoenixSession } from './phoenix-session';
import { PhoenixSocketGateway } from './phoenix-socket.gateway';
import { admitPhoenixUpgrade, PHOENIX_PATH } from './phoenix-upgrade';

/** Serves `/socket/websocket?vsn=2.0.0`: FleetLM's Phoenix socket, one PhoenixSession per connection. */
@WebSocketGateway<RealtimeGatewayOptions>({
  path: PHOENIX_PATH,
  protocol: 'phoenix',
  admit: admitPhoenixUpgrade,
  credentialParam: 'token',
  bindMessages: bindPhoenixMessages,
})
@UseFilters(CloseOnErrorFilter)
export class PhoenixGateway extends PhoenixSocketGateway<PhoenixSession> {
  constructor(
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
    private readonly inboxes: InboxDeltas,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {
    super(new Logger(PhoenixGateway.name));
  }

  protected openSession(connection: ClientConnection, principal: Principal): PhoenixSession {
    return new PhoenixSession(
      connection,
      principal,
      this.config.clients.maxSubscriptionsPerConnection,
      this.streams,
      this.metrics,
      this.inboxes,
    );
  }
}
