import {
  advanceRunProgress,
  planRunRecord,
  RunProgress,
  RunRecord,
  RunRecordSkip,
  RunRecordType,
} from '@threadline/contracts';
import { RunLiveItem } from '../stream/run-output';

/** The progress to start from for a run first seen after its start, or undefined when Postgres has no such run. */
export type SeedRunProgress = (tenantId: string, runId: string) => Promise<RunProgress | undefined>;

export type RunRecordOutcome =
  { kind: 'item'; item: RunLiveItem } | { kind: 'started' } | { kind: 'skip'; why: RunRecordSkip };

/**
 * The live consumer's progress of every run it has seen, applying planRunRecord
 * to each record in topic order. A run first seen after its start (the consumer
 * started at the projector's position, past the run's start) is seeded from its
 * Postgres row: streaming, at the row's last_run_seq, so a later end still reaches
 * subscribers even when the projector had already written it. Ended runs are kept
 * (to skip duplicates) up to `maxRuns`, the oldest forgotten first.
 */
export class RunProgressBook {
  private readonly progress = new Map<string, RunProgress>();

  constructor(
    private readonly seed: SeedRunProgress,
    private readonly maxRuns: number,
  ) {}

  get size(): number {
    return this.progress.size;
  }

  async apply(record: RunRecord): Promise<RunRecordOutcome> {
    const key = `${record.tenant_id}/${record.run_id}`;
    let current = this.progress.get(key);
    if (current === undefined && record.type !== RunRecordType.Started) {
      current = await this.seed(record.tenant_id, record.run_id);
    }
    const decision = planRunRecord(current, record);
    const next = advanceRunProgress(current, record, decision);
    if (next !== undefined) {
      this.progress.delete(key);
      this.progress.set(key, next);
      this.forgetOldest();
    }
    switch (decision.kind) {
      case 'start':
        return { kind: 'started' };
      case 'events':
        return { kind: 'item', item: { kind: 'events', runId: record.run_id, events: decision.events } };
      case 'finish':
        return record.type === RunRecordType.Finished
          ? {
              kind: 'item',
              item: {
                kind: 'end',
                runId: record.run_id,
                end: {
                  status: record.data.status,
                  reason: record.data.reason,
                  lastRunSeq: record.data.last_run_seq,
                  messageSeqs: record.data.message_seqs,
                },
              },
            }
          : { kind: 'skip', why: 'duplicate' };
      case 'skip':
        return { kind: 'skip', why: decision.why };
    }
  }

  private forgetOldest(): void {
    for (const key of this.progress.keys()) {
      if (this.progress.size <= this.maxRuns) {
        return;
      }
      this.progress.delete(key);
    }
  }
}
