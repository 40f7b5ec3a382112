import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AcceptsQueryCredential, CurrentPrincipal, inboxView, Principal, RequireScopes } from '@threadline/auth';
import { PARTICIPANT_ID_PATTERN } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { InboxDeltas } from '../../inbox/inbox-deltas';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { inboxDeltaEvent } from './sse-frames';
import { SseResponses } from './sse-responses';

/**
 * `GET /v1/participants/{id}/inbox/events`: the inbox's deltas as Server-Sent
 * Events (`event: inbox_delta`), at most one a second. Who may open it is who may
 * read the inbox over REST (inboxView: 403 forbidden_inbox otherwise). There is no
 * resume: a client (re)connects, then reads the inbox once over REST.
 */
@Controller('v1/participants')
export class InboxSseController {
  constructor(
    private readonly responses: SseResponses,
    private readonly inboxes: InboxDeltas,
    private readonly metrics: RealtimeMetrics,
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
    const connectionId = this.responses.identify(req, res);
    if (!PARTICIPANT_ID_PATTERN.test(participantId)) {
      throw ApiError.badRequest('bad_request', 'participant id: must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}');
    }
    const view = inboxView(principal, participantId);
    this.responses.admit(principal);
    const connection = this.responses.open(connectionId, principal, res);
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
