import { randomUUID } from 'node:crypto';
import { Controller, Get, Headers, Inject, Logger, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AcceptsQueryCredential, CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { REALTIME_CONFIG, RealtimeConfig } from '../../config/realtime.config';
import { CloseCode } from '../../connections/close-codes';
import { closeWhenExpired } from '../../connections/credential-expiry';
import { ConnectionRegistry } from '../../connections/connection-registry';
import { SseClientConnection } from '../../connections/sse-client-connection';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import type { ErrorBody } from '@threadline/errors';
import { parseStreamRequest } from '../stream-request';
import { sseEvent, TOKEN_EXPIRED_EVENT } from './sse-frames';

/** How long an EventSource waits before reconnecting. */
const RETRY_MS = 1000;

/**
 * `GET /v1/conversations/{id}/events`: the stream as Server-Sent Events. The
 * cursor is the Last-Event-ID header (a reconnecting EventSource) or `?cursor=`.
 * A deleted conversation ends with `event: conversation_deleted` and the end of the response.
 * The credential comes in the Authorization header or, for EventSource, `?access_token=`;
 * when it expires the stream sends `event: token_expired` and ends.
 */
@Controller('v1/conversations')
export class SseController {
  private readonly logger = new Logger(SseController.name);

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  @Get(':id/events')
  @RequireScopes('conversations:read')
  @AcceptsQueryCredential('access_token')
  open(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query('cursor') cursorParam: unknown,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    // Errors on either stream (the client went away, a write after the end) are this connection's alone.
    const connectionId = typeof req.id === 'string' ? req.id : randomUUID();
    req.on('error', (error) => this.logger.debug(`connection ${connectionId} (sse): request: ${error.message}`));
    res.on('error', (error) => this.logger.debug(`connection ${connectionId} (sse): response: ${error.message}`));
    if (!this.registry.accepting) {
      res.setHeader('Retry-After', '1');
      res.status(503).json({
        error: 'shutting_down',
        message: 'This instance is shutting down; reconnect',
      } satisfies ErrorBody);
      return;
    }
    this.registry.admit(principal.tenantId);
    const parsed = parseStreamRequest(id, lastEventId !== undefined && lastEventId !== '' ? lastEventId : cursorParam);
    if (!parsed.ok) {
      res.status(400).json({ error: parsed.error, message: parsed.message } satisfies ErrorBody);
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.write(`retry: ${RETRY_MS}\n\n`);

    const connection = new SseClientConnection(connectionId, res, this.config.clients.bufferBytes, () =>
      this.metrics.slowConsumerCloses.inc({ protocol: 'sse' }),
    );
    this.registry.track(connection, principal.tenantId);
    closeWhenExpired(connection, principal, () => connection.send(TOKEN_EXPIRED_EVENT));
    const { conversationId, cursor } = parsed.request;
    const stream = this.streams.create(
      { tenantId: principal.tenantId, conversationId },
      cursor,
      {
        deliver: (output) => {
          if (!connection.send(sseEvent(output))) {
            stream.close();
            return;
          }
          this.metrics.delivered.inc({ protocol: 'sse', type: output.kind });
          if (output.kind === 'deleted') {
            connection.close(CloseCode.ConversationDeleted);
          }
        },
        whenWritable: () => connection.whenWritable(),
        fail: (error) => {
          this.logger.warn(`connection ${connectionId} (sse): stream of ${conversationId} failed: ${error.message}`);
          connection.close(CloseCode.StreamFailed);
        },
      },
      'sse',
    );
    connection.onClosed(() => stream.close());
    void stream.start();
  }
}
