import { EventEmitter } from 'node:events';
import { compilePath, PathParams } from './path-pattern';
import { RealtimeGatewayOptions } from './realtime-gateway-options';

/**
 * The "server" RealtimeWsAdapter creates for one gateway: its path and options.
 * It emits 'connection' (connection, admitted value) for each client the adapter
 * accepted on that path; Nest subscribes the gateway to it.
 */
export class WsRoute extends EventEmitter {
  readonly match: (pathname: string) => PathParams | null;

  constructor(readonly options: RealtimeGatewayOptions) {
    super();
    this.match = compilePath(options.path);
  }

  close(): void {
    this.removeAllListeners();
  }
}
