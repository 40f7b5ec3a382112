import { Inject, Injectable, Logger } from '@nestjs/common';
import { WebSocket } from 'ws';
import { REALTIME_CONFIG, RealtimeConfig } from '../../config/realtime.config';
import { CloseCode, CloseReason } from '../../connections/close-codes';
import { ConnectionRegistry } from '../../connections/connection-registry.service';
import { WsClientConnection } from '../../connections/ws-client-connection';
import { RealtimeMetrics } from '../../metrics/realtime-metrics.service';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { PhoenixSession } from './phoenix-session';

/**
 * Serves `/socket/websocket?vsn=2.0.0`: FleetLM's Phoenix socket, one session per connection.
 * Text frames only; once the socket is closing, frames still in flight are dropped.
 */
@Injectable()
export class PhoenixSocketHandler {
  private readonly logger = new Logger(PhoenixSocketHandler.name);

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  accept(ws: WebSocket, connectionId: string): void {
    const connection = new WsClientConnection(connectionId, 'phoenix', ws, this.config.clients.bufferBytes, () =>
      this.metrics.slowConsumerCloses.inc({ protocol: 'phoenix' }),
    );
    this.registry.track(connection);
    const session = new PhoenixSession(connection, this.streams, this.metrics);
    ws.on('message', (data, isBinary) => {
      if (!connection.isOpen) {
        return;
      }
      if (isBinary) {
        session.receiveBinary();
        return;
      }
      try {
        // ws hands over a whole message as one Buffer (binaryType 'nodebuffer', the default), fragments joined.
        session.receive((data as Buffer).toString('utf8'));
      } catch (error) {
        this.logger.error(`connection ${connectionId} (phoenix): ${(error as Error).stack ?? String(error)}`);
        connection.close(CloseCode.StreamFailed, CloseReason.InternalError);
      }
    });
  }
}
