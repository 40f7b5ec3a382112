import { Transport } from './http/transport';
import { ProducerSequence } from './producer';
import { WebSocketConstructor } from './realtime/websocket-like';

/** What every handle of one client shares. */
export interface ClientContext {
  transport: Transport;
  producer: ProducerSequence;
  realtimeUrl: string;
  WebSocket: WebSocketConstructor | undefined;
}
