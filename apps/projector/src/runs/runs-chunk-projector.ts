import { Injectable, Logger } from '@nestjs/common';
import { decodeRunRecord } from '@threadline/contracts';
import { KafkaMessage } from '@threadline/kafka';
import { isDataError } from '../projection/data-error';
import { RunChunkPlan, RunChunkRecord } from './run-chunk-plan';
import { RunsMetrics } from './runs-metrics';
import { RunsChunkOutcome, RunsWriter } from './runs-writer';

/**
 * Decodes one chunk of a runs topic partition, writes it with RunsWriter and
 * counts what happened. No record can stall the partition (the poison rule,
 * docs/events.md): a record that does not decode is quarantined with its bytes;
 * a chunk Postgres refuses as data (not as an outage) is written again one
 * record per transaction, and the record it still refuses is quarantined. Outages
 * throw, and the consumer retries the chunk.
 */
@Injectable()
export class RunsChunkProjector {
  private readonly logger = new Logger(RunsChunkProjector.name);

  constructor(
    private readonly writer: RunsWriter,
    private readonly metrics: RunsMetrics,
  ) {}

  /** `messages` is non-empty and in offset order. */
  async project(
    partition: number,
    messages: readonly KafkaMessage[],
    acceptGapAfter?: number,
  ): Promise<RunsChunkOutcome> {
    try {
      return await this.write(partition, messages, messages.map(decode), acceptGapAfter);
    } catch (error) {
      if (!isDataError(error)) {
        throw error;
      }
      return this.isolate(partition, messages, error as Error, acceptGapAfter);
    }
  }

  private async isolate(
    partition: number,
    messages: readonly KafkaMessage[],
    error: Error,
    acceptGapAfter?: number,
  ): Promise<RunsChunkOutcome> {
    if (messages.length === 1) {
      const [message] = messages;
      const refused: RunChunkRecord = {
        offset: Number(message.offset),
        kind: 'poison',
        reason: `postgres refused the record: ${error.message}`,
        key: message.key,
        value: message.value,
      };
      return this.write(partition, messages, [refused], acceptGapAfter);
    }
    this.logger.warn(`partition ${partition}: Postgres refused a runs chunk as data; writing it one record at a time`);
    let outcome: RunsChunkOutcome | null = null;
    for (const message of messages) {
      outcome = await this.project(partition, [message], outcome ? undefined : acceptGapAfter);
      if (outcome.behind) {
        return outcome;
      }
    }
    return outcome as RunsChunkOutcome;
  }

  private async write(
    partition: number,
    messages: readonly KafkaMessage[],
    records: RunChunkRecord[],
    acceptGapAfter?: number,
  ): Promise<RunsChunkOutcome> {
    const outcome = await this.writer.write({
      partition,
      records,
      startOffset: Number(messages[0].offset),
      endOffset: Number(messages[messages.length - 1].offset) + 1,
      acceptGapAfter,
    });
    if (outcome.plan) {
      this.report(partition, outcome.plan);
    }
    return outcome;
  }

  /** Counts what a written chunk applied and skipped; a gap (a violation of the runs topic's rule) is an error. */
  private report(partition: number, plan: RunChunkPlan): void {
    this.metrics.events.inc(plan.events.length);
    for (const skipped of plan.skipped) {
      this.metrics.skipped.inc({ why: skipped.why });
      const at = `partition ${partition} offset ${skipped.offset} (${skipped.tenantId}/${skipped.runId})`;
      if (skipped.why === 'gap') {
        this.logger.error(`skipped the run record at ${at}: its batch does not continue the run (a gap)`);
      } else if (skipped.why !== 'duplicate') {
        this.logger.warn(`skipped the run record at ${at}: ${skipped.why}`);
      }
    }
    for (const end of plan.unevenEnds) {
      this.logger.error(
        `the run ${end.tenantId}/${end.runId} ended at run_seq ${end.recorded} (partition ${partition} offset ${end.offset}) ` +
          `but its events were applied through ${end.applied}; runs.last_run_seq keeps ${end.applied}`,
      );
    }
    for (const poison of plan.poison) {
      this.metrics.poison.inc();
      this.logger.error(
        `quarantined the run record at partition ${partition} offset ${poison.offset}: ${poison.reason}`,
      );
    }
  }
}

function decode(message: KafkaMessage): RunChunkRecord {
  const offset = Number(message.offset);
  try {
    return { offset, kind: 'record', record: decodeRunRecord(message.value) };
  } catch (error) {
    return { offset, kind: 'poison', reason: (error as Error).message, key: message.key, value: message.value };
  }
}
