import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConversationRef, RunEvent, RunStatus } from '@threadline/contracts';
import { RUN_COLUMNS, RunEventSqlRow, RunSqlRow, RunView, toRunEvent, toRunView } from './run-view';

export interface RunsPageQuery {
  status?: RunStatus;
  limit: number;
  /** Runs created after this one (keyset: created_at, run_id), or from the first. */
  after?: { createdAt: string; runId: string };
}

/** Where a page of streaming runs ends: the next page starts after this run. */
export interface StreamingRunPosition {
  created_at: string;
  tenant_id: string;
  run_id: string;
}

/**
 * Reads runs as the projector wrote them from the runs topic (docs/runs.md): one
 * run, a conversation's runs oldest first, a run's events after a run_seq. Every
 * query names the tenant, so no tenant reads another's runs.
 */
@Injectable()
export class RunsReader {
  constructor(private readonly db: DataSource) {}

  async run(tenantId: string, runId: string): Promise<RunView | null> {
    const rows: RunSqlRow[] = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE tenant_id = $1 AND run_id = $2`,
      [tenantId, runId],
    );
    return rows.length === 0 ? null : toRunView(rows[0]);
  }

  /** A conversation's runs, oldest first; `limit + 1` rows are read to tell whether a next page exists. */
  async conversationRuns(ref: ConversationRef, query: RunsPageQuery): Promise<RunView[]> {
    const rows: RunSqlRow[] = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM runs
       WHERE tenant_id = $1 AND conversation_id = $2
         AND ($3::text IS NULL OR status = $3::text)
         AND ($4::timestamptz IS NULL OR (created_at, run_id) > ($4::timestamptz, $5::text))
       ORDER BY created_at, run_id
       LIMIT $6`,
      [
        ref.tenantId,
        ref.conversationId,
        query.status ?? null,
        query.after?.createdAt ?? null,
        query.after?.runId ?? null,
        query.limit,
      ],
    );
    return rows.map(toRunView);
  }

  /** The runs of a conversation still streaming, oldest first (what a joining subscriber resumes). */
  streamingRuns(ref: ConversationRef, limit = 100): Promise<RunView[]> {
    return this.conversationRuns(ref, { status: 'streaming', limit });
  }

  /**
   * Runs of every tenant still streaming that started before `startedBefore`, oldest first, after the
   * run `after` of an earlier page: the candidates for having been lost with the run index (docs/runs.md).
   */
  async streamingSince(
    startedBefore: Date,
    limit: number,
    after?: StreamingRunPosition,
  ): Promise<Array<RunView & StreamingRunPosition>> {
    const rows: Array<RunSqlRow & { tenant_id: string }> = await this.db.query(
      `SELECT tenant_id, ${RUN_COLUMNS} FROM runs
       WHERE status = 'streaming' AND created_at < $1
         AND ($2::timestamptz IS NULL OR (created_at, tenant_id, run_id) > ($2::timestamptz, $3::text, $4::text))
       ORDER BY created_at, tenant_id, run_id
       LIMIT $5`,
      [startedBefore, after?.created_at ?? null, after?.tenant_id ?? null, after?.run_id ?? null, limit],
    );
    return rows.map((row) => ({ ...toRunView(row), tenant_id: row.tenant_id }));
  }

  /** A run's events with run_seq in (afterRunSeq, afterRunSeq + limit], in order. */
  async events(tenantId: string, runId: string, afterRunSeq: number, limit: number): Promise<RunEvent[]> {
    const rows: RunEventSqlRow[] = await this.db.query(
      `SELECT run_seq, body FROM run_events
       WHERE tenant_id = $1 AND run_id = $2 AND run_seq > $3
       ORDER BY run_seq
       LIMIT $4`,
      [tenantId, runId, afterRunSeq, limit],
    );
    return rows.map(toRunEvent);
  }
}
