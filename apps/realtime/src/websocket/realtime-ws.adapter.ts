import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server } from 'node:http';
import { Duplex } from 'node:stream';
import { INestApplication, Logger, WebSocketAdapter, WsMessageHandler } from '@nestjs/common';
import { Observable } from 'rxjs';
import { WebSocketServer } from 'ws';
import { Authenticator, Principal, requestCredential } from '@threadline/auth';
import { ApiError } from '@threadline/errors';
import { requestIdOf } from '@threadline/observability';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { ClientConnection } from '../connections/client-connection';
import { CloseCode, CloseReason } from '../connections/close-codes';
import { ConnectionRegistry, shuttingDown } from '../connections/connection-registry';
import { WsClientConnection } from '../connections/ws-client-connection';
import { ClientProtocol, RealtimeMetrics } from '../metrics/realtime-metrics';
import { closeWhenExpired } from '../connections/credential-expiry';
import { Admitted, ClientViolation, RealtimeGatewayOptions, WsClient } from './realtime-gateway-options';
import { RealtimeWebSocket } from './realtime-web-socket';
import { refusalOf, refuseUpgrade } from './upgrade-refusal';
import { WsRoute } from './ws-route';

/** Clients only send small control frames (joins, heartbeats). ws closes a bigger message with 1009. */
const MAX_INCOMING_FRAME_BYTES = 64 * 1024;
/** ws names the rule a client broke with an error code `WS_ERR_*` (e.g. WS_ERR_UNSUPPORTED_MESSAGE_LENGTH). */
const WS_ERROR_PREFIX = 'WS_ERR_';

export interface RealtimeWsAdapterDeps {
  registry: ConnectionRegistry;
  authenticator: Authenticator;
  metrics: RealtimeMetrics;
  /** Bytes a client may leave unread before it is closed as a slow consumer (4408). */
  clientBufferBytes: number;
}

/**
 * Nest's WebSocket transport for the realtime gateways: one `ws` server in
 * noServer mode, fed from the HTTP server's 'upgrade' event, serves every
 * gateway's path (`:name` segments allowed, which platform-ws's exact paths are not).
 * An upgrade the service cannot take is answered with an HTTP error and a
 * `{error, message}` body before any handshake: 503 while shutting down, 404 for
 * no gateway at that path, the gateway's own refusal (e.g. 400 for a bad cursor),
 * 401 without a valid credential, 403 when it may not read what it asks for.
 * Each accepted socket becomes a WsClientConnection (backpressure, heartbeats),
 * the client its gateway's handlers get; the gateway's options say how its
 * messages reach the handlers.
 */
export class RealtimeWsAdapter implements WebSocketAdapter<WsRoute, ClientConnection, RealtimeGatewayOptions> {
  private readonly logger = new Logger(RealtimeWsAdapter.name);
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_INCOMING_FRAME_BYTES,
    WebSocket: RealtimeWebSocket,
  });
  private readonly routes: WsRoute[] = [];
  private readonly clients = new WeakMap<ClientConnection, { socket: RealtimeWebSocket; route: WsRoute }>();
  /** The x-request-id of each upgrade request being answered, for the handshake's response headers. */
  private readonly requestIds = new WeakMap<IncomingMessage, string>();
  private listening = false;

  static forApp(app: INestApplication): RealtimeWsAdapter {
    return new RealtimeWsAdapter(app.getHttpServer() as Server, {
      registry: app.get(ConnectionRegistry),
      authenticator: app.get(Authenticator),
      metrics: app.get(RealtimeMetrics),
      clientBufferBytes: app.get<RealtimeConfig>(REALTIME_CONFIG).clients.bufferBytes,
    });
  }

  constructor(
    private readonly httpServer: Server,
    private readonly deps: RealtimeWsAdapterDeps,
  ) {
    this.wss.on('error', (error) => this.logger.error(`websocket server: ${error.message}`));
    this.wss.on('headers', (headers: string[], request: IncomingMessage) => {
      const requestId = this.requestIds.get(request);
      if (requestId !== undefined) {
        headers.push(`X-Request-Id: ${requestId}`);
      }
    });
  }

  /** The server of one gateway: every realtime gateway shares the HTTP server (port 0). */
  create(port: number, options?: RealtimeGatewayOptions): WsRoute {
    if (port !== 0 || !options) {
      throw new Error('a realtime gateway takes no port and names its path and protocol');
    }
    const route = new WsRoute(options);
    this.routes.push(route);
    if (!this.listening) {
      this.listening = true;
      // Stays on until the HTTP server closes: an upgrade during shutdown is answered with 503.
      this.httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
        this.route(request, socket, head),
      );
    }
    return route;
  }

  bindClientConnect(route: WsRoute, callback: (connection: ClientConnection, admitted: unknown) => void): void {
    route.on('connection', callback);
  }

  bindClientDisconnect(connection: ClientConnection, callback: () => void): void {
    connection.onClosed(() => callback());
  }

  bindMessageHandlers(
    connection: ClientConnection,
    handlers: WsMessageHandler[],
    transform: (result: unknown) => Observable<unknown>,
  ): void {
    const client = this.clients.get(connection);
    const bind = client?.route.options.bindMessages;
    if (client && bind) {
      const wsClient: WsClient = { socket: client.socket, connection };
      bind(wsClient, handlers, transform, this.violation);
    }
  }

  close(route: WsRoute): void {
    route.close();
  }

  /** Clients were closed by ConnectionRegistry's graceful shutdown before Nest disposes of the adapter. */
  dispose(): void {
    this.wss.close();
  }

  private readonly violation: ClientViolation = (connection, code, reason, what) => {
    this.deps.metrics.clientViolations.inc({ protocol: connection.protocol, reason });
    this.logger.warn(`connection ${connection.id} (${connection.protocol}) closed with ${code}: ${what}`);
    connection.close(code, reason);
  };

  /**
   * Runs for every upgrade request, from the HTTP server's 'upgrade' event and outside any
   * Nest handler: what it throws would reach the process, so it ends only this socket.
   */
  private route(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const requestId = requestIdOf(request);
    this.requestIds.set(request, requestId);
    socket.on('error', (error) => this.logger.debug(`upgrade socket (request ${requestId}): ${error.message}`));
    this.dispatch(request, socket, head, requestId).catch((error: unknown) => {
      this.logger.error(
        `upgrade of ${request.url?.split('?')[0].slice(0, 200) ?? ''} (request ${requestId}) failed: ${describeError(error)}`,
      );
      socket.destroy();
    });
  }

  private async dispatch(request: IncomingMessage, socket: Duplex, head: Buffer, requestId: string): Promise<void> {
    if (!this.deps.registry.accepting) {
      refuseUpgrade(socket, requestId, refusalOf(shuttingDown()));
      return;
    }
    const url = parseTarget(request.url ?? '/');
    if (!url) {
      refuseUpgrade(socket, requestId, {
        status: 404,
        body: { error: 'not_found', message: 'the request target is not a URL path' },
      });
      return;
    }
    for (const route of this.routes) {
      const params = route.match(url.pathname);
      if (params) {
        const admission = route.options.admit(params, url.searchParams);
        if (!admission.ok) {
          refuseUpgrade(socket, requestId, admission);
          return;
        }
        const principal = await this.authorize(request, url.searchParams, route, admission.value);
        if (principal instanceof ApiError) {
          refuseUpgrade(socket, requestId, refusalOf(principal));
          return;
        }
        this.upgrade(request, socket, head, route, { value: admission.value, principal });
        return;
      }
    }
    refuseUpgrade(socket, requestId, {
      status: 404,
      body: { error: 'not_found', message: `no WebSocket endpoint at ${url.pathname.slice(0, 200)}` },
    });
  }

  /** Who is asking, and whether they may have what they ask for; the ApiError (401/403) to refuse with if not. */
  private async authorize(
    request: IncomingMessage,
    query: URLSearchParams,
    route: WsRoute,
    value: unknown,
  ): Promise<Principal | ApiError> {
    try {
      const credential = requestCredential(request.headers.authorization, query.get(route.options.credentialParam));
      const principal = await this.deps.authenticator.authenticate(credential);
      route.options.authorize?.(principal, value);
      this.deps.registry.admit(principal.tenantId);
      return principal;
    } catch (error) {
      if (error instanceof ApiError) {
        return error;
      }
      throw error;
    }
  }

  /**
   * Completes the handshake (ws answers an invalid one with 400, or 405 for a method other than GET).
   * The 'error' listener goes on before anything else can happen on the socket: ws fails a
   * connection whose client breaks the rules (a message over maxPayload, invalid UTF-8, a frame
   * that breaks RFC 6455) by sending the close code itself and then emitting 'error', which,
   * unheard, would be thrown and end the process.
   */
  private upgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    route: WsRoute,
    admitted: Admitted<unknown>,
  ): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connectionId = randomUUID();
      const { protocol } = route.options;
      ws.on('error', (error) => this.onClientError(connectionId, protocol, error));
      try {
        const connection = new WsClientConnection(connectionId, protocol, ws, this.deps.clientBufferBytes, () =>
          this.deps.metrics.slowConsumerCloses.inc({ protocol }),
        );
        this.deps.registry.track(connection, admitted.principal.tenantId);
        closeWhenExpired(connection, admitted.principal);
        this.clients.set(connection, { socket: ws, route });
        route.emit('connection', connection, admitted);
      } catch (error) {
        this.logger.error(`connection ${connectionId} (${protocol}) could not be served: ${describeError(error)}`);
        ws.close(CloseCode.StreamFailed, CloseReason.InternalError);
      }
    });
  }

  private onClientError(connectionId: string, protocol: ClientProtocol, error: Error & { code?: string }): void {
    const reason = error.code?.startsWith(WS_ERROR_PREFIX)
      ? error.code.slice(WS_ERROR_PREFIX.length).toLowerCase()
      : null;
    if (reason === null) {
      this.logger.debug(`connection ${connectionId} (${protocol}): ${error.message}`);
      return;
    }
    this.deps.metrics.clientViolations.inc({ protocol, reason });
    this.logger.warn(`connection ${connectionId} (${protocol}) closed by ws: ${error.message} (${error.code})`);
  }
}

/** The request target as a URL; null when it cannot be parsed (e.g. `//[`: an authority that is not a host). */
function parseTarget(target: string): URL | null {
  try {
    return new URL(target, 'http://localhost');
  } catch {
    return null;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
