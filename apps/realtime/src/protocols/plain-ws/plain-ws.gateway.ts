import { Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { checkAccess, Principal } from '@threadline/auth';
import { ClientConnection } from '../../connections/client-connection';
import { CloseCode, CloseReason } from '../../connections/close-codes';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { Admitted, RealtimeGatewayOptions } from '../../websocket/realtime-gateway-options';
import { serveConnection } from '../../websocket/serve-connection';
import { StreamRequest } from '../stream-request';
import { outputText } from './plain-ws-frames';
import { admitStreamUpgrade, PLAIN_STREAM_PATH } from './plain-ws-upgrade';

/**
 * Serves `/v1/conversations/{id}/stream?cursor=N&run_cursors=run_x:n,...`: one
 * conversation per socket, one JSON text frame per event (messages, and the
 * `run_event` and `run_status` frames of its runs). A deleted conversation ends with
 * `{type:'conversation_deleted'}` and close code 4410. The client sends nothing:
 * there are no message handlers, so frames it sends anyway are read (ws enforces
 * the size limit and UTF-8) and dropped.
 */
@WebSocketGateway<RealtimeGatewayOptions<StreamRequest>>({
  path: PLAIN_STREAM_PATH,
  protocol: 'ws',
  admit: admitStreamUpgrade,
  credentialParam: 'access_token',
  authorize: (principal: Principal, request: StreamRequest) =>
    checkAccess(principal, ['conversations:read'], request.conversationId),
})
export class PlainWsGateway implements OnGatewayConnection<ClientConnection> {
  private readonly logger = new Logger(PlainWsGateway.name);

  constructor(
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
  ) {}

  handleConnection(connection: ClientConnection, { value: request, principal }: Admitted<StreamRequest>): void {
    serveConnection(connection, this.logger, () => this.stream(connection, request, principal));
  }

  private stream(connection: ClientConnection, request: StreamRequest, principal: Principal): void {
    const stream = this.streams.create(
      { tenantId: principal.tenantId, conversationId: request.conversationId },
      request.cursor,
      {
        deliver: (output) => {
          if (!connection.send(outputText(output))) {
            stream.close();
            return;
          }
          this.metrics.delivered.inc({ protocol: 'ws', type: output.kind });
          if (output.kind === 'deleted') {
            connection.close(CloseCode.ConversationDeleted, CloseReason.ConversationDeleted);
          }
        },
        whenWritable: () => connection.whenWritable(),
        fail: (error) => {
          this.logger.warn(
            `connection ${connection.id} (ws): stream of ${request.conversationId} failed: ${error.message}`,
          );
          connection.close(CloseCode.StreamFailed, CloseReason.StreamFailed);
        },
      },
      'ws',
      request.runCursors,
    );
    connection.onClosed(() => stream.close());
    void stream.start();
  }
}
