import { WsMessageHandler } from '@nestjs/common';
import type { CredentialQueryParam, Principal } from '@threadline/auth';
import { Observable } from 'rxjs';
import { ClientConnection } from '../connections/client-connection';
import { ClientProtocol } from '../metrics/realtime-metrics';
import { PathParams } from './path-pattern';
import { RealtimeWebSocket } from './realtime-web-socket';
import { UpgradeRefusal } from './upgrade-refusal';

/** What an upgrade request asks for once admitted, or why it is refused. */
export type Admission<T> = { ok: true; value: T } | ({ ok: false } & UpgradeRefusal);

/** What the gateway's handleConnection gets: the admitted request and who made it. */
export interface Admitted<T> {
  value: T;
  principal: Principal;
}

/** One accepted WebSocket client: the socket, and the connection gateways write to (backpressure, heartbeats). */
export interface WsClient {
  socket: RealtimeWebSocket;
  connection: ClientConnection;
}

/** Counts and logs a message that breaks the gateway's protocol (the socket is closed with `code`). */
export type ClientViolation = (connection: ClientConnection, code: number, reason: string, what: string) => void;

/** Binds what a client sends to the gateway's @SubscribeMessage handlers (RealtimeWsAdapter.bindMessageHandlers). */
export type MessageBinding = (
  client: WsClient,
  handlers: WsMessageHandler[],
  transform: (result: unknown) => Observable<unknown>,
  violation: ClientViolation,
) => void;

/** The options of a realtime `@WebSocketGateway`: its path on the HTTP server and its protocol. */
export interface RealtimeGatewayOptions<T = unknown> {
  /** The upgrade path; `:name` stands for one path segment, e.g. `/v1/conversations/:id/stream`. */
  path: string;
  protocol: Exclude<ClientProtocol, 'sse'>;
  /** Checks an upgrade request before the handshake; a refusal is answered as an HTTP error. */
  admit(params: PathParams, query: URLSearchParams): Admission<T>;
  /** The query parameter that may carry the credential when no Authorization header is sent. */
  credentialParam: CredentialQueryParam;
  /** Checks what the principal may do with the admitted request before the handshake; throws ApiError 403. */
  authorize?(principal: Principal, value: T): void;
  /** Absent: the client is not expected to send anything; ws reads its frames (limits apply) and they are dropped. */
  bindMessages?: MessageBinding;
}
