import { Body, Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import type { RunEventBody } from '@threadline/contracts';
import { ConversationIdPipe } from '../http/conversation-id.pipe';
import { principalConversation } from '../http/principal-conversation';
import { ZodValidationPipe } from '../http/zod-validation.pipe';
import { RunIdPipe } from './run-id.pipe';
import {
  AppendedRunEventsView,
  appendRunEventsSchema,
  AppendRunEventsDto,
  CommittedRunView,
  EndedRunView,
  failRunSchema,
  FailRunDto,
  runErrorCode,
  StartedRunView,
  startRunSchema,
  StartRunDto,
} from './run.dto';
import { RunsService } from './runs.service';

/** The runs write routes (docs/runs.md, "API"). The actor is the caller's subject, never a body field. */
@Controller('v1')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @Post('conversations/:id/runs')
  @RequireScopes('runs:write')
  @HttpCode(HttpStatus.CREATED)
  start(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
    @Body(new ZodValidationPipe(startRunSchema, 'bad_request', runErrorCode)) body: StartRunDto,
  ): Promise<StartedRunView> {
    return this.runs.start(principalConversation(principal, id), principal.subject, body);
  }

  @Post('runs/:run_id/events')
  @RequireScopes('runs:write')
  @HttpCode(HttpStatus.CREATED)
  appendEvents(
    @CurrentPrincipal() principal: Principal,
    @Param('run_id', RunIdPipe) runId: string,
    @Body(new ZodValidationPipe(appendRunEventsSchema, 'bad_request', runErrorCode)) body: AppendRunEventsDto,
  ): Promise<AppendedRunEventsView> {
    return this.runs.appendEvents(principal, runId, body.events as RunEventBody[], body.producer_seq);
  }

  @Post('runs/:run_id/commit')
  @RequireScopes('runs:write')
  @HttpCode(HttpStatus.OK)
  commit(
    @CurrentPrincipal() principal: Principal,
    @Param('run_id', RunIdPipe) runId: string,
  ): Promise<CommittedRunView> {
    return this.runs.commit(principal, runId);
  }

  @Post('runs/:run_id/fail')
  @RequireScopes('runs:write')
  @HttpCode(HttpStatus.OK)
  fail(
    @CurrentPrincipal() principal: Principal,
    @Param('run_id', RunIdPipe) runId: string,
    @Body(new ZodValidationPipe(failRunSchema, 'bad_request')) body: FailRunDto,
  ): Promise<EndedRunView> {
    return this.runs.fail(principal, runId, body.message ?? null, 'requested');
  }

  /** Any principal that may write to the conversation: runs:write or conversations:write (checked by the service). */
  @Post('runs/:run_id/cancel')
  @HttpCode(HttpStatus.OK)
  cancel(@CurrentPrincipal() principal: Principal, @Param('run_id', RunIdPipe) runId: string): Promise<EndedRunView> {
    return this.runs.cancel(principal, runId);
  }
}
