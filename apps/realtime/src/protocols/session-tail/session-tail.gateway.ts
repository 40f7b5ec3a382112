import { Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { checkAccess, Principal } from '@threadline/auth';
import { ClientConnection } from '../../connections/client-connection';
import { CloseCode, CloseReason } from '../../connections/close-codes';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { Admitted, RealtimeGatewayOptions } from '../../websocket/realtime-gateway-options';
import { serveConnection } from '../../websocket/serve-connection';
import { openSessionTail } from './session-tail-feed';
import { SessionTailRequest } from './session-tail-request';
import { admitSessionTailUpgrade, SESSION_TAIL_PATH } from './session-tail-upgrade';

/**
 * Serves Starcite's raw tail, `/v1/sessions/{id}/tail?cursor=N&batch_size=B`: the
 * session's events after the cursor, then live, one JSON event per text frame, or
 * a JSON array of up to B events per frame when B > 1; a gap is a `{type:'gap'}`
 * frame. A deleted session ends with close code 4410. The client sends nothing;
 * frames it sends anyway are read and dropped.
 */
@WebSocketGateway<RealtimeGatewayOptions<SessionTailRequest>>({
  path: SESSION_TAIL_PATH,
  protocol: 'ws',
  admit: admitSessionTailUpgrade,
  credentialParam: 'access_token',
  authorize: (principal: Principal, request: SessionTailRequest) =>
    checkAccess(principal, ['conversations:read'], request.sessionId),
})
export class SessionTailGateway implements OnGatewayConnection<ClientConnection> {
  private readonly logger = new Logger(SessionTailGateway.name);

  constructor(
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
  ) {}

  handleConnection(connection: ClientConnection, { value: request, principal }: Admitted<SessionTailRequest>): void {
    serveConnection(connection, this.logger, () => this.tail(connection, request, principal));
  }

  private tail(connection: ClientConnection, request: SessionTailRequest, principal: Principal): void {
    const tail = openSessionTail(
      this.streams,
      { tenantId: principal.tenantId, conversationId: request.sessionId },
      request,
      {
        events: (events) => {
          const sent = connection.send(JSON.stringify(request.batchSize === 1 ? events[0] : events));
          if (sent) {
            this.metrics.delivered.inc({ protocol: 'ws', type: 'session_events' });
          }
          return sent;
        },
        gap: (frame) => {
          if (connection.send(JSON.stringify(frame))) {
            this.metrics.delivered.inc({ protocol: 'ws', type: 'gap' });
          }
        },
        ended: () => connection.close(CloseCode.ConversationDeleted, CloseReason.ConversationDeleted),
        failed: (error) => {
          this.logger.warn(`connection ${connection.id} (ws): tail of ${request.sessionId} failed: ${error.message}`);
          connection.close(CloseCode.StreamFailed, CloseReason.StreamFailed);
        },
        whenWritable: () => connection.whenWritable(),
      },
      'ws',
    );
    connection.onClosed(() => tail.close());
    void tail.start();
  }
}
