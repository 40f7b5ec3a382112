import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@threadline/auth';
import { ConversationRef, foldRun, MessageBody, RunEvent } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { RunsReader } from '@threadline/persistence';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { AppendService } from '../messages/append.service';
import { CommitBeginDecision, RunIndexService, RunKey, RunOperation } from './run-index.service';
import { runFinishedRecord } from './run-records';
import { RunRecordWriter } from './run-record-writer';
import { refusalError } from './run-refusals';
import { LostRunResolver } from './lost-run.resolver';
import type { CommittedRunView } from './run.dto';

const MAX_ROUNDS = 4;
const POLL_MS = 50;
const EVENTS_PAGE = 1000;

type Commit = Extract<CommitBeginDecision, { kind: 'commit' }>;

/**
 * Commits a run (docs/runs.md, "Consistency and failures"): the run stops taking
 * events (committing), the command waits until the projector holds all of them,
 * folds them into one assistant message, appends it with the producer pair
 * (`run:<run_id>`, 1) so that a repeated commit gets the same seq, then produces
 * run.finished. A commit interrupted anywhere is completed by the next commit
 * call or the idle reaper; a message the conversation refuses for good (too
 * large, conversation deleted) ends the run failed with reason commit_refused.
 */
@Injectable()
export class RunCommitService {
  constructor(
    private readonly index: RunIndexService,
    private readonly writer: RunRecordWriter,
    private readonly reader: RunsReader,
    private readonly appends: AppendService,
    private readonly lost: LostRunResolver,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
  ) {}

  async commit(principal: Principal, runId: string): Promise<CommittedRunView> {
    const run = { tenantId: principal.tenantId, runId };
    if ((await this.index.conversationOf(run)) === null) {
      return this.lost.refuseCommit(principal, runId);
    }
    return this.commitRun(run, principal.conversationId);
  }

  /** Commits the run, or completes its interrupted commit; `pinned` is the conversation a pinned token allows. */
  async commitRun(run: RunKey, pinned: string | undefined): Promise<CommittedRunView> {
    const op: RunOperation = {
      run,
      token: randomUUID(),
      leaseMs: this.writer.commitLeaseMs,
      pinnedConversation: pinned,
    };
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const decision = await this.index.beginCommit(op);
      switch (decision.kind) {
        case 'flush':
          await this.writer.write(run, op.token, decision.record);
          continue;
        case 'committed':
          return committedView(run.runId, decision.lastRunSeq, decision.messageSeqs);
        case 'commit':
          return this.complete(op, decision);
        default:
          throw refusalError(run.runId, decision);
      }
    }
    throw ApiError.unavailable('index_busy', 'The run kept changing; retry', 1);
  }

  private async complete(op: RunOperation, commit: Commit): Promise<CommittedRunView> {
    const ref: ConversationRef = { tenantId: op.run.tenantId, conversationId: commit.conversationId };
    let outcome: { seq: number } | { refused: ApiError };
    try {
      const events = await this.projectedEvents(op.run, commit.lastRunSeq);
      outcome = await this.append(ref, op.run.runId, commit, events);
    } catch (error) {
      await this.index.release(op.run, op.token).catch(() => undefined);
      throw error;
    }
    const seqs = 'seq' in outcome ? [outcome.seq] : [];
    const end = 'seq' in outcome ? null : outcome.refused.message;
    const status = 'seq' in outcome ? 'committed' : 'failed';
    const reason = 'seq' in outcome ? null : 'commit_refused';
    const record = await this.index.finishCommit(
      op,
      { status, messageSeqs: seqs, reason, message: end },
      runFinishedRecord(ref, op.run.runId, { status, reason, message: end, messageSeqs: seqs }),
    );
    if (record === null) {
      throw ApiError.unavailable('index_busy', 'Another operation took the run over; retry', 1);
    }
    await this.writer.write(op.run, op.token, record);
    if ('refused' in outcome) {
      throw commitRefusal(op.run.runId, outcome.refused);
    }
    return committedView(op.run.runId, commit.lastRunSeq, seqs);
  }

  /** Appends the folded message; a 4xx refusal is final (the same message is refused every time). */
  private async append(
    ref: ConversationRef,
    runId: string,
    commit: Commit,
    events: RunEvent[],
  ): Promise<{ seq: number } | { refused: ApiError }> {
    const folded = foldRun(events);
    const message: MessageBody = {
      ...folded,
      metadata: { ...commit.metadata, ...folded.metadata, run: { id: runId, last_run_seq: commit.lastRunSeq } },
    };
    try {
      const appended = await this.appends.append(
        ref,
        commit.actor,
        { message, producer_id: `run:${runId}`, producer_seq: 1 },
        null,
      );
      return { seq: appended.seq };
    } catch (error) {
      if (error instanceof ApiError && Number(error.status) < 500 && error.code !== 'producer_replay_conflict') {
        return { refused: error };
      }
      throw error;
    }
  }

  /** The run's events 1..lastRunSeq, once the projector holds them all (at most RUN_COMMIT_WAIT_MS). */
  private async projectedEvents(run: RunKey, lastRunSeq: number): Promise<RunEvent[]> {
    const deadline = performance.now() + this.config.runs.commitWaitMs;
    for (;;) {
      const view = await this.reader.run(run.tenantId, run.runId);
      if (view && view.last_run_seq >= lastRunSeq) {
        break;
      }
      if (performance.now() + POLL_MS > deadline) {
        throw ApiError.unavailable(
          'outcome_pending',
          `The projector does not hold the run's events through run_seq ${lastRunSeq} yet; retry the commit`,
          1,
        );
      }
      await sleep(POLL_MS);
    }
    const events: RunEvent[] = [];
    while (events.length < lastRunSeq) {
      const page = await this.reader.events(run.tenantId, run.runId, events.length, EVENTS_PAGE);
      if (page.length === 0) {
        break;
      }
      events.push(...page.filter((event) => event.run_seq <= lastRunSeq));
    }
    return events;
  }
}

/** A message over the message limits is the run's size: 413 run_too_large; any other refusal as it came. */
function commitRefusal(runId: string, refused: ApiError): ApiError {
  if (refused.code !== 'message_too_large' && refused.code !== 'invalid_message') {
    return refused;
  }
  return new ApiError(
    HttpStatus.PAYLOAD_TOO_LARGE,
    'run_too_large',
    `Run ${runId} folds into a message over the message limits (${refused.message}); it ended failed (commit_refused)`,
  );
}

function committedView(runId: string, lastRunSeq: number, seqs: number[]): CommittedRunView {
  return { run_id: runId, status: 'committed', last_run_seq: lastRunSeq, messages: seqs.map((seq) => ({ seq })) };
}
