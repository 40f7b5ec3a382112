import { IncomingMessage, Server, STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer } from 'ws';
import { ConnectionRegistry } from '../connections/connection-registry.service';
import { PhoenixSocketHandler } from '../protocols/phoenix/phoenix-socket.handler';
import { PHOENIX_VSN } from '../protocols/phoenix/phoenix-protocol';
import { PlainWsHandler } from '../protocols/plain-ws/plain-ws.handler';
import { parseStreamRequest } from '../protocols/stream-request';

const PHOENIX_PATH = '/socket/websocket';
const PLAIN_STREAM_PATH = /^\/v1\/conversations\/([^/]+)\/stream$/;
/** Clients only send small control frames (joins, heartbeats). */
const MAX_INCOMING_FRAME_BYTES = 64 * 1024;

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

  private route(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.logger.debug(`upgrade socket: ${error.message}`));
    if (!this.registry.accepting) {
      rejectUpgrade(socket, 503, { error: 'shutting_down', message: 'This instance is shutting down; reconnect' });
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === PHOENIX_PATH) {
      const vsn = url.searchParams.get('vsn');
      if (vsn !== null && vsn !== PHOENIX_VSN) {
        rejectUpgrade(socket, 400, { error: 'unsupported_vsn', message: `only vsn=${PHOENIX_VSN} is supported` });
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.phoenix.accept(ws));
      return;
    }
    const match = PLAIN_STREAM_PATH.exec(url.pathname);
    if (match) {
      const parsed = parseStreamRequest(safeDecode(match[1]), url.searchParams.get('cursor') ?? undefined);
      if (!parsed.ok) {
        rejectUpgrade(socket, 400, { error: parsed.error, message: parsed.message });
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.plain.accept(ws, parsed.request));
      return;
    }
    rejectUpgrade(socket, 404, { error: 'not_found', message: `no WebSocket endpoint at ${url.pathname}` });
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Answers an upgrade request with an ordinary HTTP error and a JSON body. */
function rejectUpgrade(socket: Duplex, status: number, body: Record<string, string>): void {
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
}
