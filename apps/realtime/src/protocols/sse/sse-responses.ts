import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '@threadline/auth';
import { REQUEST_ID_HEADER } from '@threadline/observability';
import { REALTIME_CONFIG, RealtimeConfig } from '../../config/realtime.config';
import { closeWhenExpired } from '../../connections/credential-expiry';
import { ConnectionRegistry, shuttingDown } from '../../connections/connection-registry';
import { SseClientConnection } from '../../connections/sse-client-connection';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { TOKEN_EXPIRED_EVENT } from './sse-frames';

/** What every Server-Sent Events route does around its own events: identify, admit, open and track the response. */
@Injectable()
export class SseResponses {
  private readonly logger = new Logger(SseResponses.name);

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  /**
   * The connection's id (the request id), with errors on either stream (the client
   * went away, a write after the end) logged as this connection's alone.
   */
  identify(req: Request, res: Response): string {
    const requestId = res.getHeader(REQUEST_ID_HEADER);
    const connectionId = typeof requestId === 'string' ? requestId : randomUUID();
    req.on('error', (error) => this.logger.debug(`connection ${connectionId} (sse): request: ${error.message}`));
    res.on('error', (error) => this.logger.debug(`connection ${connectionId} (sse): response: ${error.message}`));
    return connectionId;
  }

  /** Admits the tenant's new stream: throws 503 while the instance shuts down, 429 over the tenant's cap. */
  admit(principal: Principal): void {
    if (!this.registry.accepting) {
      throw shuttingDown();
    }
    this.registry.admit(principal.tenantId);
  }

  /**
   * Starts the event stream (200 and its headers, flushed) and returns its
   * connection: tracked for the tenant, ended with `event: token_expired` when the credential expires.
   */
  open(connectionId: string, principal: Principal, res: Response): SseClientConnection {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const connection = new SseClientConnection(connectionId, res, this.config.clients.bufferBytes, () =>
      this.metrics.slowConsumerCloses.inc({ protocol: 'sse' }),
    );
    this.registry.track(connection, principal.tenantId);
    closeWhenExpired(connection, principal, () => connection.send(TOKEN_EXPIRED_EVENT));
    return connection;
  }
}
