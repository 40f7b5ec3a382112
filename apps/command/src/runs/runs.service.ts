import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@threadline/auth';
import { ConversationRef, RunEventBody } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { MetricsService } from '@threadline/observability';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { ConversationDirectory } from '../head-index/conversation-directory';
import { checkRunBatch, runBatchHash } from './run-batch';
import { RunCommitService } from './run-commit.service';
import { EndDecision, RunIndexService, RunKey, RunOperation } from './run-index.service';
import { runEventsRecord, runFinishedRecord, runStartedRecord } from './run-records';
import { RunRecordWriter } from './run-record-writer';
import { refusalError } from './run-refusals';
import { LostRunResolver } from './lost-run.resolver';
import { AppendedRunEventsView, CommittedRunView, EndedRunView, StartedRunView, StartRunDto } from './run.dto';

/** Rounds of "produce the pending record first" one request goes through before giving up. */
const MAX_ROUNDS = 4;

/**
 * The runs write path (docs/runs.md): each operation is one decision of the run
 * index (Redis), then the record it decided is produced to the runs topic, and
 * the caller is answered once Kafka has it. One operation per run at a time.
 */
@Injectable()
export class RunsService {
  private readonly outcomes;

  constructor(
    private readonly index: RunIndexService,
    private readonly writer: RunRecordWriter,
    private readonly directory: ConversationDirectory,
    private readonly commits: RunCommitService,
    private readonly lost: LostRunResolver,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
    metrics: MetricsService,
  ) {
    this.outcomes = metrics.counter('threadline_command_run_operations_total', 'Run operations by kind and outcome', [
      'operation',
      'outcome',
    ]);
  }

  /** Starts a run in the conversation as `actor`, the authenticated subject of the request. */
  async start(ref: ConversationRef, actor: string, dto: StartRunDto): Promise<StartedRunView> {
    const conversation = await this.directory.find(ref, this.config.append.ackTimeoutMs);
    if (!conversation || !conversation.created) {
      throw ApiError.notFound(ref.conversationId);
    }
    if (conversation.tombstoned) {
      throw ApiError.tombstoned();
    }
    const parentSeq = dto.parent_seq ?? null;
    if (parentSeq !== null && parentSeq > conversation.version) {
      throw ApiError.badRequest(
        'bad_request',
        `parent_seq: ${parentSeq} is beyond the conversation's last seq ${conversation.version}`,
      );
    }
    const run: RunKey = { tenantId: ref.tenantId, runId: `run_${randomUUID().replace(/-/g, '')}` };
    const createdAt = new Date();
    const metadata = dto.metadata ?? {};
    const record = runStartedRecord(ref, run.runId, { actor, parent_seq: parentSeq, metadata }, createdAt);
    const token = randomUUID();
    const recordJson = JSON.stringify(record);
    const fresh = await this.index.start(
      { run, token, leaseMs: this.writer.operationLeaseMs },
      { conversationId: ref.conversationId, actor, metadata, parentSeq },
      recordJson,
      record.event_id,
    );
    if (!fresh) {
      throw ApiError.unavailable('index_busy', 'A run id was drawn twice; retry', 1);
    }
    await this.writer.write(run, token, recordJson);
    this.outcomes.inc({ operation: 'start', outcome: 'started' });
    return {
      run_id: run.runId,
      conversation_id: ref.conversationId,
      status: 'streaming',
      actor,
      parent_seq: parentSeq,
      metadata,
      last_run_seq: 0,
      created_at: createdAt.toISOString(),
    };
  }

  /**
   * Appends a batch; `producerSeq` makes a retry safe (docs/runs.md, "Consistency
   * and failures"). `events` are checked here (checkRunBatch), each by its index.
   */
  async appendEvents(
    principal: Principal,
    runId: string,
    events: RunEventBody[],
    producerSeq?: number,
  ): Promise<AppendedRunEventsView> {
    const checked = checkRunBatch(events, this.config.runs);
    const op = this.operation(principal, runId, this.writer.operationLeaseMs);
    const conversationId = await this.index.conversationOf(op.run);
    if (conversationId === null) {
      return this.lost.refuseEvents(principal, runId);
    }
    const ref = { tenantId: principal.tenantId, conversationId };
    const contentHash = runBatchHash(checked);
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const decision = await this.index.decideEvents(
        op,
        { producerSeq, contentHash, count: checked.length, maxEvents: this.config.runs.maxEvents },
        runEventsRecord(ref, runId, checked),
      );
      switch (decision.kind) {
        case 'flush':
          await this.writer.write(op.run, op.token, decision.record);
          continue;
        case 'deduped':
          this.outcomes.inc({ operation: 'events', outcome: 'deduped' });
          return { run_id: runId, last_run_seq: decision.lastRunSeq, deduped: true };
        case 'replay_conflict':
          throw new ApiError(
            HttpStatus.CONFLICT,
            'producer_replay_conflict',
            `producer_seq ${producerSeq} is at or below the run's last accepted producer_seq ${decision.producerSeq} and its events differ from that batch`,
            { last_producer_seq: decision.producerSeq },
          );
        case 'too_large':
          throw new ApiError(
            HttpStatus.PAYLOAD_TOO_LARGE,
            'run_too_large',
            `events: the run would exceed ${this.config.runs.maxEvents} events (it has ${decision.lastRunSeq})`,
          );
        case 'produce':
          await this.writer.write(op.run, op.token, decision.record);
          this.outcomes.inc({ operation: 'events', outcome: 'appended' });
          return { run_id: runId, last_run_seq: decision.lastRunSeq, deduped: false };
        case 'not_found':
          return this.lost.refuseEvents(principal, runId);
        default:
          throw this.refused('events', runId, decision);
      }
    }
    throw ApiError.unavailable('index_busy', 'The run kept changing; retry', 1);
  }

  commit(principal: Principal, runId: string): Promise<CommittedRunView> {
    return this.commits.commit(principal, runId);
  }

  /** Ends the run as failed (the writer asked, or its stream broke). */
  fail(
    principal: Principal,
    runId: string,
    message: string | null,
    reason: 'requested' | 'stream_error',
  ): Promise<EndedRunView> {
    return this.end(principal, runId, { status: 'failed', reason, message });
  }

  /** Ends the run as cancelled: no event after this answer's last_run_seq counts, nothing of it is appended. */
  cancel(principal: Principal, runId: string): Promise<EndedRunView> {
    if (!principal.scopes.has('runs:write') && !principal.scopes.has('conversations:write')) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'forbidden_scope',
        'This needs the scope runs:write or conversations:write',
      );
    }
    return this.end(principal, runId, { status: 'cancelled', reason: 'requested', message: null });
  }

  private async end(
    principal: Principal,
    runId: string,
    end: { status: 'failed' | 'cancelled'; reason: 'requested' | 'stream_error'; message: string | null },
  ): Promise<EndedRunView> {
    const op = this.operation(principal, runId, this.writer.operationLeaseMs);
    const conversationId = await this.index.conversationOf(op.run);
    if (conversationId === null) {
      return this.lost.refuseEnd(principal, runId, end.status);
    }
    const ref = { tenantId: principal.tenantId, conversationId };
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const decision: EndDecision = await this.index.decideEnd(
        op,
        end,
        runFinishedRecord(ref, runId, { ...end, messageSeqs: [] }),
      );
      switch (decision.kind) {
        case 'flush':
          await this.writer.write(op.run, op.token, decision.record);
          continue;
        case 'already':
          return { run_id: runId, status: end.status, reason: decision.reason, last_run_seq: decision.lastRunSeq };
        case 'produce':
          await this.writer.write(op.run, op.token, decision.record);
          this.outcomes.inc({ operation: end.status, outcome: 'ended' });
          return { run_id: runId, status: end.status, reason: decision.reason, last_run_seq: decision.lastRunSeq };
        case 'active':
          throw new Error('an idle bound was not asked for');
        case 'not_found':
          return this.lost.refuseEnd(principal, runId, end.status);
        default:
          throw this.refused(end.status, runId, decision);
      }
    }
    throw ApiError.unavailable('index_busy', 'The run kept changing; retry', 1);
  }

  private operation(principal: Principal, runId: string, leaseMs: number): RunOperation {
    return {
      run: { tenantId: principal.tenantId, runId },
      token: randomUUID(),
      leaseMs,
      pinnedConversation: principal.conversationId,
    };
  }

  private refused(operation: string, runId: string, refusal: Parameters<typeof refusalError>[1]): ApiError {
    this.outcomes.inc({ operation, outcome: refusal.kind });
    return refusalError(runId, refusal);
  }
}
