import { Inject, Injectable, Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { REALTIME_CONFIG, RealtimeConfig } from '../../config/realtime.config';
import { CloseCode, CloseReason } from '../../connections/close-codes';
import { ConnectionRegistry } from '../../connections/connection-registry.service';
import { WsClientConnection } from '../../connections/ws-client-connection';
import { RealtimeMetrics } from '../../metrics/realtime-metrics.service';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { StreamRequest } from '../stream-request';
import { outputText } from './plain-ws-frames';

/**
 * Serves `/v1/conversations/{id}/stream?cursor=N`: one conversation per socket,
 * one JSON text frame per event. A deleted conversation ends with
 * `{type:'conversation_deleted'}` and close code 4410. The client sends nothing:
 * frames it sends anyway are read (ws enforces the size limit and UTF-8) and dropped.
 */
@Injectable()
export class PlainWsHandler {
  private readonly logger = new Logger(PlainWsHandler.name);

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  accept(ws: WebSocket, connectionId: string, request: StreamRequest): void {
    const connection = new WsClientConnection(connectionId, 'ws', ws, this.config.clients.bufferBytes, () =>
      this.metrics.slowConsumerCloses.inc({ protocol: 'ws' }),
    );
    this.registry.track(connection);
    const stream = this.streams.create(
      request.conversationId,
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
            `connection ${connectionId} (ws): stream of ${request.conversationId} failed: ${error.message}`,
          );
          connection.close(CloseCode.StreamFailed, CloseReason.StreamFailed);
        },
      },
      'ws',
    );
    connection.onClosed(() => stream.close());
    void stream.start();
  }
}
