import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server, STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, CloseReason } from '../connections/close-codes';
import { ConnectionRegistry } from '../connections/connection-registry.service';
import { ClientProtocol, RealtimeMetrics } from '../metrics/realtime-metrics.service';
import { RealtimeErrorBody } from '../protocols/error-codes';
import { PhoenixSocketHandler } from '../protocols/phoenix/phoenix-socket.handler';
import { PHOENIX_VSN } from '../protocols/phoenix/phoenix-protocol';
import { PlainWsHandler } from '../protocols/plain-ws/plain-ws.handler';
import { parseStreamRequest } from '../protocols/stream-request';

const PHOENIX_PATH = '/socket/websocket';
const PLAIN_STREAM_PATH = /^\/v1\/conversations\/([^/]+)\/stream$/;
/** Clients only send small control frames (joins, heartbeats). ws closes a bigger message with 1009. */
const MAX_INCOMING_FRAME_BYTES = 64 * 1024;
/** ws names the rule a client broke with an error code `WS_ERR_*` (e.g. WS_ERR_UNSUPPORTED_MESSAGE_LENGTH). */
const WS_ERROR_PREFIX = 'WS_ERR_';

/**
 * Routes WebSocket upgrades of the Nest HTTP server to the two protocols.
 *
 * Why not a @nestjs/websockets gateway with WsAdapter: WsAdapter matches exact
 * paths only and destroys every other upgrade, so it cannot serve
 * `/v1/conversations/{id}/stream`; and its `{event, data}` message model has no
 * place for Phoenix's refs and replies. One `ws` server in noServer mode, fed
 * from the HTTP server's 'upgrade' event, serves both paths; a bad request is
 * answered with a plain HTTP 400 JSON body before any upgrade.
 */
@Injectable()
export class UpgradeRouter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(UpgradeRouter.name);
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INCOMING_FRAME_BYTES });
  private server: Server | null = null;
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    this.route(request, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly registry: ConnectionRegistry,
    private readonly phoenix: PhoenixSocketHandler,
    private readonly plain: PlainWsHandler,
    private readonly metrics: RealtimeMetrics,
  ) {
    this.wss.on('error', (error) => this.logger.error(`websocket server: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  onApplicationShutdown(): void {
    this.server?.off('upgrade', this.onUpgrade);
    this.wss.close();
  }

  /**
   * Runs for every upgrade request, from the HTTP server's 'upgrade' event and outside any
   * Nest handler: what it throws would reach the process, so it ends only this socket.
   */
  private route(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.logger.debug(`upgrade socket: ${error.message}`));
    try {
      this.dispatch(request, socket, head);
    } catch (error) {
      this.logger.error(`upgrade of ${request.url?.slice(0, 200) ?? ''} failed: ${describeError(error)}`);
      socket.destroy();
    }
  }

  private dispatch(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.registry.accepting) {
      rejectUpgrade(socket, 503, { error: 'shutting_down', message: 'This instance is shutting down; reconnect' });
      return;
    }
    const url = parseTarget(request.url ?? '/');
    if (!url) {
      rejectUpgrade(socket, 404, { error: 'not_found', message: 'the request target is not a URL path' });
      return;
    }
    const { pathname, searchParams: query } = url;
    if (pathname === PHOENIX_PATH) {
      const vsn = query.get('vsn');
      if (vsn !== null && vsn !== PHOENIX_VSN) {
        rejectUpgrade(socket, 400, { error: 'unsupported_vsn', message: `only vsn=${PHOENIX_VSN} is supported` });
        return;
      }
      this.upgrade(request, socket, head, 'phoenix', (ws, connectionId) => this.phoenix.accept(ws, connectionId));
      return;
    }
    const match = PLAIN_STREAM_PATH.exec(pathname);
    if (match) {
      const parsed = parseStreamRequest(safeDecode(match[1]), query.get('cursor') ?? undefined);
      if (!parsed.ok) {
        rejectUpgrade(socket, 400, { error: parsed.error, message: parsed.message });
        return;
      }
      this.upgrade(request, socket, head, 'ws', (ws, connectionId) =>
        this.plain.accept(ws, connectionId, parsed.request),
      );
      return;
    }
    rejectUpgrade(socket, 404, { error: 'not_found', message: `no WebSocket endpoint at ${pathname.slice(0, 200)}` });
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
    protocol: ClientProtocol,
    accept: (ws: WebSocket, connectionId: string) => void,
  ): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      const connectionId = randomUUID();
      ws.on('error', (error) => this.onClientError(connectionId, protocol, error));
      try {
        accept(ws, connectionId);
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
    this.metrics.clientViolations.inc({ protocol, reason });
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

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Answers an upgrade request with an ordinary HTTP error and a JSON body. */
function rejectUpgrade(socket: Duplex, status: number, body: RealtimeErrorBody): void {
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
}
