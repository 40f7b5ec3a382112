import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@threadline/auth';
import { RUN_RECORD_SCHEMA_VERSION, RunRecordType } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { RunsReader, RunView } from '@threadline/persistence';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { EventPublisher } from '../event-log/event-publisher';
import { refusalError, runCancelled, runFinished, runNotFound } from './run-refusals';
import type { CommittedRunView, EndedRunView } from './run.dto';

/**
 * Answers an operation on a run the run index does not hold: it never existed
 * in the caller's tenant (404), it ended long enough ago to have left Redis (its
 * final state is in the projection), or Redis lost it while it streamed. A run
 * lost while streaming cannot go on (its run_seq and dedupe state are gone): it
 * ends as failed with reason `index_lost`, and the caller gets 409 run_finished.
 */
@Injectable()
export class LostRunResolver {
  private readonly logger = new Logger(LostRunResolver.name);

  constructor(
    private readonly reader: RunsReader,
    private readonly publisher: EventPublisher,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  async refuseEvents(principal: Principal, runId: string): Promise<never> {
    const view = await this.finalView(principal, runId);
    throw view.status === 'cancelled' ? runCancelled(runId) : runFinished(runId, view.status);
  }

  async refuseEnd(principal: Principal, runId: string, status: 'failed' | 'cancelled'): Promise<EndedRunView> {
    const view = await this.finalView(principal, runId);
    if (view.status === status) {
      return { run_id: runId, status, reason: view.reason ?? 'requested', last_run_seq: view.last_run_seq };
    }
    throw view.status === 'cancelled' ? runCancelled(runId) : runFinished(runId, view.status);
  }

  async refuseCommit(principal: Principal, runId: string): Promise<CommittedRunView> {
    const view = await this.finalView(principal, runId);
    if (view.status === 'committed') {
      return {
        run_id: runId,
        status: 'committed',
        last_run_seq: view.last_run_seq,
        messages: view.message_seqs.map((seq) => ({ seq })),
      };
    }
    throw view.status === 'cancelled' ? runCancelled(runId) : runFinished(runId, view.status);
  }

  /** The run as the projection has it, ended as index_lost first if it was still streaming. */
  private async finalView(principal: Principal, runId: string): Promise<RunView> {
    const view = await this.reader.run(principal.tenantId, runId);
    if (!view) {
      throw runNotFound(runId);
    }
    if (principal.conversationId !== undefined && principal.conversationId !== view.conversation_id) {
      throw refusalError(runId, { kind: 'forbidden' });
    }
    return view.status === 'streaming' ? this.endLost(principal.tenantId, view) : view;
  }

  /**
   * Ends a run the projection has as streaming and the run index no longer holds: failed,
   * `index_lost`. If it did end meanwhile, its own end is earlier in the runs topic and wins.
   */
  async endLost(tenantId: string, view: RunView): Promise<RunView> {
    const runId = view.run_id;
    this.logger.warn(`run ${runId} of tenant ${tenantId} is streaming but the run index lost it`);
    await this.publisher
      .publishRunRecord(
        {
          schema_version: RUN_RECORD_SCHEMA_VERSION,
          event_id: randomUUID(),
          tenant_id: tenantId,
          conversation_id: view.conversation_id,
          run_id: runId,
          occurred_at: new Date().toISOString(),
          type: RunRecordType.Finished,
          data: {
            status: 'failed',
            reason: 'index_lost',
            message: 'The run index lost this run while it streamed',
            last_run_seq: view.last_run_seq,
            message_seqs: [],
          },
        },
        this.config.append.ackTimeoutMs,
      )
      .catch(() => {
        throw ApiError.unavailable('kafka_unavailable', 'The runs topic did not acknowledge; retry', 1);
      });
    return { ...view, status: 'failed', reason: 'index_lost' };
  }
}
