import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { MetricsService, PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { RunsReader, RunView, StreamingRunPosition } from '@threadline/persistence';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { LostRunResolver } from './lost-run.resolver';
import { RunCommitService } from './run-commit.service';
import { RunIndexService, RunKey } from './run-index.service';
import { runFinishedRecord } from './run-records';
import { RunRecordWriter } from './run-record-writer';

/** Runs one sweep looks at, at most. */
const SWEEP_RUNS = 100;
const MAX_ROUNDS = 4;

/**
 * Ends runs nobody operated on for RUN_IDLE_TIMEOUT_MS: a streaming run fails
 * with reason `abandoned` (after its pending record, if any, is produced); a run
 * whose commit was interrupted is committed again, never abandoned. A run with an
 * operation in flight (a lease) is left alone. A run the projection has as
 * streaming for longer than that but the run index no longer holds (Redis lost
 * it, and nobody touched it since) fails with reason `index_lost`, once: until
 * the projection has that end (a projector down or behind), the sweeps after
 * leave the run alone for RUN_IDLE_TIMEOUT_MS. One instance sweeps at a time.
 */
@Injectable()
export class RunIdleReaper extends PeriodicJob {
  private readonly reaped;
  /** Runs this instance ended as lost (`<tenant>\n<run>`), and when: not ended again before the projection shows it. */
  private readonly endedLost = new Map<string, number>();

  constructor(
    private readonly index: RunIndexService,
    private readonly writer: RunRecordWriter,
    private readonly commits: RunCommitService,
    private readonly projected: RunsReader,
    private readonly lost: LostRunResolver,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
    metrics: MetricsService,
  ) {
    super();
    this.reaped = metrics.counter('threadline_command_runs_reaped_total', 'Idle runs ended by the reaper', ['outcome']);
  }

  protected schedule(): PeriodicJobSchedule {
    return { name: 'run idle sweep', intervalMs: this.config.holes.reaperIntervalMs };
  }

  protected async runOnce(): Promise<void> {
    const owner = randomUUID();
    if (!(await this.index.lockSweep(owner, this.writer.commitLeaseMs * 2))) {
      return;
    }
    try {
      const runs = await this.index.idleRuns(this.config.runs.idleTimeoutMs, SWEEP_RUNS);
      for (const run of runs) {
        await this.reap(run).catch((error: Error) =>
          this.logger.warn(`run ${run.runId} of tenant ${run.tenantId}: not reaped this sweep: ${error.message}`),
        );
      }
      await this.endLostRuns();
    } finally {
      await this.index.unlockSweep(owner);
    }
  }

  /**
   * Ends the runs streaming in the projection since before the idle timeout that the run index lost,
   * looking at up to MAX_ROUNDS pages of them per sweep (the sweep after goes on from the first page).
   */
  private async endLostRuns(): Promise<void> {
    const startedBefore = new Date(Date.now() - this.config.runs.idleTimeoutMs);
    for (const [key, endedAt] of this.endedLost) {
      if (endedAt <= startedBefore.getTime()) {
        this.endedLost.delete(key);
      }
    }
    let after: StreamingRunPosition | undefined;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const page = await this.projected.streamingSince(startedBefore, SWEEP_RUNS, after);
      for (const view of page) {
        await this.endIfLost(view);
      }
      if (page.length < SWEEP_RUNS) {
        return;
      }
      after = page[page.length - 1];
    }
  }

  private async endIfLost(view: RunView & StreamingRunPosition): Promise<void> {
    const run = { tenantId: view.tenant_id, runId: view.run_id };
    const key = `${run.tenantId}\n${run.runId}`;
    if (this.endedLost.has(key) || (await this.index.conversationOf(run)) !== null) {
      return;
    }
    await this.lost.endLost(run.tenantId, view).then(
      () => {
        this.endedLost.set(key, Date.now());
        this.reaped.inc({ outcome: 'index_lost' });
      },
      (error: Error) =>
        this.logger.warn(`run ${run.runId} of tenant ${run.tenantId}: not ended as lost: ${error.message}`),
    );
  }

  private async reap(run: RunKey): Promise<void> {
    const conversationId = await this.index.conversationOf(run);
    if (conversationId === null) {
      await this.index.forget(run);
      return;
    }
    const ref = { tenantId: run.tenantId, conversationId };
    const op = { run, token: randomUUID(), leaseMs: this.writer.operationLeaseMs, pinnedConversation: undefined };
    const end = { status: 'failed', reason: 'abandoned', message: null } as const;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const decision = await this.index.decideEnd(
        op,
        { ...end, idleMs: this.config.runs.idleTimeoutMs },
        runFinishedRecord(ref, run.runId, { ...end, messageSeqs: [] }),
      );
      switch (decision.kind) {
        case 'flush':
          await this.writer.write(run, op.token, decision.record);
          continue;
        case 'produce':
          await this.writer.write(run, op.token, decision.record);
          this.reaped.inc({ outcome: 'abandoned' });
          this.logger.log(`run ${run.runId} of tenant ${run.tenantId} abandoned at run_seq ${decision.lastRunSeq}`);
          return;
        case 'committing':
          await this.commits.commitRun(run, undefined);
          this.reaped.inc({ outcome: 'recommitted' });
          return;
        case 'already':
        case 'cancelled':
        case 'finished':
        case 'not_found':
          await this.index.forget(run);
          return;
        default:
          return;
      }
    }
  }
}
