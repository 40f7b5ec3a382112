import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { RunIdPipe } from './run-id.pipe';
import type { CommittedRunView, EndedRunView } from './run.dto';
import { RunStreamService } from './ui-message-stream/run-stream.service';

/**
 * POST /v1/runs/{run_id}/stream: the body is an AI SDK UI message stream, read as
 * it arrives (the command parses application/json bodies only, so it leaves
 * this text/event-stream body unread for the route: registerBodyParsers).
 */
@Controller('v1/runs')
export class RunStreamController {
  constructor(private readonly streams: RunStreamService) {}

  @Post(':run_id/stream')
  @HttpCode(200)
  @RequireScopes('runs:write')
  stream(
    @CurrentPrincipal() principal: Principal,
    @Param('run_id', RunIdPipe) runId: string,
    @Req() request: FastifyRequest,
  ): Promise<CommittedRunView | EndedRunView> {
    return this.streams.pipe(principal, runId, request.raw);
  }
}
