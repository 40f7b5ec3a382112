import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RunProgress } from '@threadline/contracts';
import { ChunkOffsets, lockChunkPosition, OffsetKey, runStatement, storeOffset } from '@threadline/persistence';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import { insertQuarantined } from '../projection/projection-statements';
import { planRunChunk, RunChunkPlan, RunChunkRecord, runKeyOf, runsOfChunk } from './run-chunk-plan';
import { insertRunEvents, insertRuns, RunProgressRow, selectRunProgress, updateRuns } from './run-statements';

export interface RunsChunk extends ChunkOffsets {
  partition: number;
  /** The chunk's records after decoding, in offset order. */
  records: readonly RunChunkRecord[];
}

export interface RunsChunkOutcome {
  /** The partition's stored next offset after the transaction. */
  nextOffset: number;
  /** Postgres is behind the chunk (lost commits): nothing written, go back to nextOffset. */
  behind?: boolean;
  /** What the transaction wrote and skipped; null when it wrote nothing (covered before, or behind). */
  plan: RunChunkPlan | null;
}

/**
 * Writes one chunk of the runs topic and the partition's position in one
 * transaction: exactly once in effect. The position is stored in consumer_offsets
 * under the projector's group id and the runs topic, which is also where
 * realtime's live runs consumer starts (docs/events.md, "The runs topic"). The
 * runs the chunk names are read in one SELECT under the partition's lock, so
 * planRunRecord decides from what Postgres holds; a run's records are all in one
 * partition (keyed by conversation), so no other transaction changes them meanwhile.
 */
@Injectable()
export class RunsWriter {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {}

  write(chunk: RunsChunk): Promise<RunsChunkOutcome> {
    const key: OffsetKey = {
      consumer: this.config.projection.groupId,
      topic: this.config.kafka.runsTopic,
      partition: chunk.partition,
    };
    return this.dataSource.transaction(async (tx) => {
      const { kind, stored } = await lockChunkPosition(tx, key, chunk);
      if (kind !== 'write') {
        return { nextOffset: stored.nextOffset, behind: kind === 'behind', plan: null };
      }
      const records = chunk.records.filter((entry) => entry.offset >= stored.nextOffset);
      const runs = runsOfChunk(records);
      const rows = runs.length > 0 ? await runStatement<RunProgressRow[]>(tx, selectRunProgress(runs)) : [];
      const progress = new Map<string, RunProgress>(
        rows.map((row) => [
          runKeyOf({ tenantId: row.tenant_id, runId: row.run_id }),
          { status: row.status, lastRunSeq: Number(row.last_run_seq) },
        ]),
      );
      const plan = planRunChunk(records, progress);
      if (plan.starts.length > 0) {
        await runStatement(tx, insertRuns(plan.starts));
      }
      if (plan.events.length > 0) {
        await runStatement(tx, insertRunEvents(plan.events));
      }
      if (plan.changes.length > 0) {
        await runStatement(tx, updateRuns(plan.changes));
      }
      if (plan.poison.length > 0) {
        await runStatement(tx, insertQuarantined(plan.poison, key));
      }
      await runStatement(tx, storeOffset(key, { nextOffset: chunk.endOffset, indexFence: stored.indexFence }));
      return { nextOffset: chunk.endOffset, plan };
    });
  }
}
