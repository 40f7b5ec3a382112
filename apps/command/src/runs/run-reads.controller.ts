import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes } from '@threadline/auth';
import { RunView } from '@threadline/persistence';
import { ConversationIdPipe } from '../http/conversation-id.pipe';
import { principalConversation } from '../http/principal-conversation';
import { RunIdPipe } from './run-id.pipe';
import { ConversationRunsQuery, RunEventPage, RunEventsQuery, RunPage } from './run-read-query.dto';
import { conversationRunsQueryPipe, runEventsQueryPipe } from './run-read-query.pipes';
import { RunReadsService } from './run-reads.service';

/** GET routes of runs (docs/runs.md, "Reads"): a run, its events, a conversation's runs. */
@Controller('v1')
export class RunReadsController {
  constructor(private readonly reads: RunReadsService) {}

  @Get('runs/:run_id')
  @RequireScopes('conversations:read')
  run(@CurrentPrincipal() principal: Principal, @Param('run_id', RunIdPipe) runId: string): Promise<RunView> {
    return this.reads.run(principal, runId);
  }

  @Get('runs/:run_id/events')
  @RequireScopes('conversations:read')
  events(
    @CurrentPrincipal() principal: Principal,
    @Param('run_id', RunIdPipe) runId: string,
    @Query(runEventsQueryPipe) query: RunEventsQuery,
  ): Promise<RunEventPage> {
    return this.reads.events(principal, runId, query);
  }

  @Get('conversations/:id/runs')
  @RequireScopes('conversations:read')
  conversationRuns(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ConversationIdPipe) id: string,
    @Query(conversationRunsQueryPipe) query: ConversationRunsQuery,
  ): Promise<RunPage> {
    return this.reads.conversationRuns(principalConversation(principal, id), query);
  }
}
