import { Inject, Injectable } from '@nestjs/common';
import { WebSocket } from 'ws';
import { REALTIME_CONFIG, RealtimeConfig } from '../../config/realtime.config';
import { ConnectionRegistry } from '../../connections/connection-registry.service';
import { WsClientConnection } from '../../connections/ws-client-connection';
import { RealtimeMetrics } from '../../metrics/realtime-metrics.service';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { PhoenixSession } from './phoenix-session';

/** Serves `/socket/websocket?vsn=2.0.0`: FleetLM's Phoenix socket, one session per connection. */
@Injectable()
export class PhoenixSocketHandler {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  accept(ws: WebSocket): void {
    const connection = new WsClientConnection('phoenix', ws, this.config.clients.bufferBytes, () =>
      this.metrics.slowConsumerCloses.inc({ protocol: 'phoenix' }),
    );
    this.registry.track(connection);
    const session = new PhoenixSession(connection, this.streams, this.metrics);
    ws.on('message', (data, isBinary) => {
      if (!isBinary && Buffer.isBuffer(data)) {
        session.receive(data.toString('utf8'));
      }
    });
  }
}
