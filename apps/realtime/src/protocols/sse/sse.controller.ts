import { Controller, Get, Headers, Logger, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AcceptsQueryCredential, CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { CloseCode } from '../../connections/close-codes';
import { RealtimeMetrics } from '../../metrics/realtime-metrics';
import { ConversationStreamFactory } from '../../stream/conversation-stream.factory';
import { ApiError } from '@threadline/errors';
import { parseSseRequest } from './sse-request';
import { SseResumePosition } from './sse-resume-position';
import { sseEvent } from './sse-frames';
import { SseResponses } from './sse-responses';

/** How long an EventSource waits before reconnecting. */
const RETRY_MS = 1000;

/**
 * `GET /v1/conversations/{id}/events`: the stream as Server-Sent Events, its runs'
 * `run_event` and `run_status` events included. The cursors are the Last-Event-ID
 * header (a reconnecting EventSource: the message seq and the run cursors, see
 * SseResumePosition) or `?cursor=` and `?run_cursors=`.
 * A deleted conversation ends with `event: conversation_deleted` and the end of the response.
 * The credential comes in the Authorization header or, for EventSource, `?access_token=`;
 * when it expires the stream sends `event: token_expired` and ends.
 */
@Controller('v1/conversations')
export class SseController {
  private readonly logger = new Logger(SseController.name);

  constructor(
    private readonly responses: SseResponses,
    private readonly streams: ConversationStreamFactory,
    private readonly metrics: RealtimeMetrics,
  ) {}

  @Get(':id/events')
  @RequireScopes('conversations:read')
  @AcceptsQueryCredential('access_token')
  open(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query('cursor') cursorParam: unknown,
    @Query('run_cursors') runCursorsParam: unknown,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): void {
    const connectionId = this.responses.identify(req, res);
    this.responses.admit(principal);
    const parsed = parseSseRequest(id, lastEventId, cursorParam, runCursorsParam);
    if (!parsed.ok) {
      throw ApiError.badRequest(parsed.error, parsed.message);
    }
    const connection = this.responses.open(connectionId, principal, res);
    res.write(`retry: ${RETRY_MS}\n\n`);
    const { conversationId, cursor, runCursors } = parsed.request;
    const position = new SseResumePosition(cursor, runCursors, () => stream.startCursor);
    const stream = this.streams.create(
      { tenantId: principal.tenantId, conversationId },
      cursor,
      {
        deliver: (output) => {
          if (!connection.send(sseEvent(output, position.idAfter(output)))) {
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
      runCursors,
    );
    connection.onClosed(() => stream.close());
    void stream.start();
  }
}
