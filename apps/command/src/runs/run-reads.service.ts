import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { checkAccess, Principal } from '@threadline/auth';
import type { ConversationRef } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { ConversationHeadReader, RunsReader, RunView } from '@threadline/persistence';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { ConversationRunsQuery, encodeRunsCursor, RunEventPage, RunEventsQuery, RunPage } from './run-read-query.dto';

/**
 * The read routes of runs, from the projection (RunsReader): what the projector
 * has written from the runs topic, so a run just started may answer 404 and be
 * missing from its conversation's list for a few milliseconds (docs/runs.md, "Reads").
 * A run is found in the caller's tenant only, and a token pinned to a
 * conversation reads the runs of that conversation only.
 */
@Injectable()
export class RunReadsService {
  constructor(
    private readonly runs: RunsReader,
    private readonly directory: ConversationDirectory,
    private readonly heads: ConversationHeadReader,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  async run(principal: Principal, runId: string): Promise<RunView> {
    const run = await this.runs.run(principal.tenantId, runId);
    if (run === null) {
      throw new ApiError(HttpStatus.NOT_FOUND, 'run_not_found', `Run ${runId} does not exist`);
    }
    checkAccess(principal, [], run.conversation_id);
    return run;
  }

  /**
   * Events after `after`. next_after is null once no event can follow the page:
   * the run is finished (its finish is projected after all its events) and the
   * page reached its last event or came back short (events past their retention).
   */
  async events(principal: Principal, runId: string, query: RunEventsQuery): Promise<RunEventPage> {
    const run = await this.run(principal, runId);
    const events = await this.runs.events(principal.tenantId, runId, query.after, query.limit);
    const last = events.at(-1)?.run_seq ?? query.after;
    const ended = run.status !== 'streaming' && (last >= run.last_run_seq || events.length < query.limit);
    return { events, next_after: ended ? null : last };
  }

  async conversationRuns(ref: ConversationRef, query: ConversationRunsQuery): Promise<RunPage> {
    await this.requireConversation(ref);
    const rows = await this.runs.conversationRuns(ref, {
      status: query.status,
      limit: query.limit + 1,
      after: query.cursor,
    });
    const runs = rows.slice(0, query.limit);
    const last = runs.at(-1);
    return {
      runs,
      next_cursor:
        rows.length > query.limit && last ? encodeRunsCursor({ createdAt: last.created_at, runId: last.run_id }) : null,
    };
  }

  /** 404 conversation_not_found unless the conversation exists in the caller's tenant (the projection's view while the index rebuilds). */
  private async requireConversation(ref: ConversationRef): Promise<void> {
    try {
      const record = await this.directory.find(ref, this.config.append.ackTimeoutMs);
      if (!record?.created) {
        throw ApiError.notFound(ref.conversationId);
      }
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'index_rebuilding')) {
        throw error;
      }
      if ((await this.heads.read(ref)) === null) {
        throw ApiError.notFound(ref.conversationId);
      }
    }
  }
}
