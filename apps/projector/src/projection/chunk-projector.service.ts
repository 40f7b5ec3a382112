import { Injectable, Logger } from '@nestjs/common';
import { KafkaMessage } from 'kafkajs';
import { decodeEvent, UndecodableEventError } from '@threadline/contracts';
import { ProjectionRecord } from './batch-plan';
import { ChunkOutcome, ProjectionWriter } from './projection-writer.service';
import { ProjectorMetrics } from './projector-metrics.service';

/** Decodes one chunk of a partition, writes it in one transaction and counts what happened. */
@Injectable()
export class ChunkProjector {
  private readonly logger = new Logger(ChunkProjector.name);

  constructor(
    private readonly writer: ProjectionWriter,
    private readonly metrics: ProjectorMetrics,
  ) {}

  /** `messages` is non-empty and in offset order. */
  async project(partition: number, messages: readonly KafkaMessage[], acceptGapAfter?: number): Promise<ChunkOutcome> {
    const records = this.decode(partition, messages);
    const startOffset = Number(messages[0].offset);
    const endOffset = Number(messages[messages.length - 1].offset) + 1;
    const stopTimer = this.metrics.transactionSeconds.startTimer();
    const outcome = await this.writer.write({ partition, records, startOffset, endOffset, acceptGapAfter });
    stopTimer();
    for (const [type, count] of outcome.applied) {
      this.metrics.events.inc({ type }, count);
    }
    if (outcome.replayed > 0) {
      this.metrics.replayed.inc(outcome.replayed);
    }
    return outcome;
  }

  /** An undecodable record is logged, counted and skipped: it must never block its partition. */
  private decode(partition: number, messages: readonly KafkaMessage[]): ProjectionRecord[] {
    const records: ProjectionRecord[] = [];
    for (const message of messages) {
      try {
        records.push({ offset: Number(message.offset), event: decodeEvent(message.value) });
      } catch (error) {
        if (!(error instanceof UndecodableEventError)) {
          throw error;
        }
        this.metrics.undecodable.inc();
        this.logger.error(`skipping record at partition ${partition} offset ${message.offset}: ${error.message}`);
      }
    }
    return records;
  }
}
