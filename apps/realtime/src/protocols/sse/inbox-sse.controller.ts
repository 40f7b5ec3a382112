import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Logger, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AcceptsQueryCredential, CurrentPrincipal, inboxView, Principal, RequireScopes } from '@threadline/auth';
import { PARTICIPANT_ID_PATTERN } from '@threadline/contracts';
import type { ErrorBody } from '@threadline/errors';
import { REALTIME_CONFIG, RealtimeConfig } from '../../config/realtime.config';
import { closeWhenExpired } from '../../connections/credential-expiry';
import { ConnectionRegistry } from '../../connections/connection-registry';
import { SseClientConnection } from '../../connections/sse-client-connection';
import { InboxDeltas } from '../../inbox/inbox-deltas';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { inboxDeltaEvent, TOKEN_EXPIRED_EVENT } from './sse-frames';

/**
 * `GET /v1/participants/{id}/inbox/events`: the inbox's deltas as Server-Sent
 * Events (`event: inbox_delta`), at most one a second. Who may open it is who may
 * read the inbox over REST (inboxView: 403 forbidden_inbox otherwise). There is no
 * resume: a client (re)connects, then reads the inbox once over REST.
 */
@Controller('v1/participants')
export class InboxSseController {
  private readonly logger = new Logger(InboxSseController.name);

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly inboxes: InboxDeltas,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
  ) {}

  @Get(':participantId/inbox/events')
  @RequireScopes('conversations:read')
  @AcceptsQueryCredential('access_token')
  open(
    @CurrentPrincipal() principal: Principal,
    @Param('participantId') participantId: string,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    const connectionId = typeof req.id === 'string' ? req.id : randomUUID();
    req.on('error', (error) => this.logger.debug(`connection ${connectionId} (sse): request: ${error.message}`));
    res.on('error', (error) => this.logger.debug(`connection ${connectionId} (sse): response: ${error.message}`));
    if (!PARTICIPANT_ID_PATTERN.test(participantId)) {
      res.status(400).json({
        error: 'bad_request',
        message: 'participant id: must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}',
      } satisfies ErrorBody);
      return;
    }
    const view = inboxView(principal, participantId);
    if (!this.registry.accepting) {
      res.setHeader('Retry-After', '1');
      res.status(503).json({ error: 'shutting_down', message: 'This instance is shutting down; reconnect' });
      return;
    }
    this.registry.admit(principal.tenantId);
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
    const stop = this.inboxes.subscribe(
      { tenantId: principal.tenantId, participantId, kind: view.kind === 'any' ? null : view.kind },
      (conversations) => {
        if (connection.send(inboxDeltaEvent(conversations))) {
          this.metrics.delivered.inc({ protocol: 'sse', type: 'inbox_delta' });
        }
      },
    );
    connection.onClosed(stop);
    res.write(': subscribed\n\n');
  }
}
