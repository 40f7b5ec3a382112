import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConversationRef, conversationKey, parseConversationKey } from '@threadline/contracts';
import { PeriodicJob, PeriodicJobSchedule } from '@threadline/observability';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';
import { ArchivedSeqBacklog } from './archived-seq-backlog';
import { archivedSeqsOf, sweepPage } from './catch-up-statements';
import { IndexEntry } from './segment-plan';
import { advanceArchivedSeq } from './segment-statements';

const CATCH_UP_INTERVAL_MS = 1000;
/** Conversations of the backlog advanced per pass. */
const BACKLOG_BATCH = 2000;
/** Conversations the sweep looks at per pass: 1,000,000 conversations are swept in about 3 minutes. */
const SWEEP_PAGE = 5000;
/** Before every conversation in (tenant, id) order. */
const SWEEP_START: ConversationRef = { tenantId: '', conversationId: '' };

interface SweptRow {
  tenant_id: string;
  id: string;
}

const refOf = (row: SweptRow): ConversationRef => ({ tenantId: row.tenant_id, conversationId: row.id });

/**
 * A segment's transaction advances `archived_seq` only as far as the projector
 * had written `messages` by then. When the projector trails the archiver, the
 * last seqs of a quiet conversation would wait for its next segment forever.
 * Once a second this pass advances:
 * - the backlog: the conversations of segments this process committed whose
 *   archived_seq has not reached the seqs those segments hold (prompt);
 * - one page of a sweep over every conversation in (tenant, id) order, for what this
 *   process cannot know (segments committed before a restart).
 * Each pass costs the backlog batch and one primary-key page, never a scan of the
 * whole table, which at 1,000,000 conversations took 0.8 s of Postgres per pass.
 */
@Injectable()
export class ArchivedSeqCatchUp extends PeriodicJob {
  private readonly backlog = new ArchivedSeqBacklog();
  private sweptUpTo: ConversationRef = SWEEP_START;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
  ) {
    super();
  }

  protected schedule(): PeriodicJobSchedule {
    return { name: 'archived_seq catch-up', intervalMs: CATCH_UP_INTERVAL_MS, failureLevel: 'debug' };
  }

  /** Segments with these index entries were committed (the backlog holds conversation keys). */
  noteSegment(index: readonly IndexEntry[]): void {
    this.backlog.note(index.map((e) => ({ conversationId: conversationKey(e), lastSeq: e.lastSeq })));
  }

  async runOnce(): Promise<void> {
    await this.advanceBacklog();
    await this.sweepOnePage();
  }

  private async advanceBacklog(): Promise<void> {
    const keys = this.backlog.next(BACKLOG_BATCH);
    if (keys.length === 0) {
      return;
    }
    const conversations = keys.map(parseConversationKey);
    await this.advance(conversations);
    const found = await this.query<SweptRow & { archived_seq: string }>(archivedSeqsOf(conversations));
    this.backlog.settle(keys, new Map(found.map((r) => [conversationKey(refOf(r)), Number(r.archived_seq)])));
  }

  private async sweepOnePage(): Promise<void> {
    const page = await this.query<SweptRow & { behind: boolean }>(sweepPage(this.sweptUpTo, SWEEP_PAGE));
    const behind = page.filter((r) => r.behind).map(refOf);
    if (behind.length > 0) {
      await this.advance(behind);
    }
    this.sweptUpTo = page.length === SWEEP_PAGE ? refOf(page[page.length - 1]) : SWEEP_START;
  }

  private advance(conversations: readonly ConversationRef[]): Promise<unknown> {
    return this.query(advanceArchivedSeq(this.config.consumer.groupId, this.config.kafka.topic, conversations));
  }

  private query<T>(statement: { sql: string; params: unknown[] }): Promise<T[]> {
    return this.dataSource.query<T[]>(statement.sql, statement.params);
  }
}
