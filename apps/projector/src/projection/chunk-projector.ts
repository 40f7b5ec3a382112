import { Injectable, Logger } from '@nestjs/common';
import { conversationKey, decodeRecord, MessageTombstonedEvent, quarantinedStandIn } from '@threadline/contracts';
import { KafkaMessage } from '@threadline/kafka';
import { PoisonRecord, ProjectionRecord } from './batch-plan';
import { isDataError } from './data-error';
import { ChunkOutcome, ProjectionWriter } from './projection-writer';
import { ProjectorMetrics } from './projector-metrics';

interface DecodedChunk {
  records: ProjectionRecord[];
  poison: PoisonRecord[];
}

/**
 * Decodes one chunk of a partition, writes it in one transaction and counts what
 * happened. Events the fence rule ignores (docs/events.md rule 6) are counted and
 * logged. No record can stall the partition (the poison rule, docs/events.md):
 * - a record that does not decode is quarantined with its raw bytes, and its
 *   stand-in tombstone settles the seq its envelope names;
 * - a chunk Postgres refuses as data (not as an outage) is written again one
 *   record per transaction, and the record it still refuses is quarantined the
 *   same way. Outages throw, and the consumer retries the chunk.
 */
@Injectable()
export class ChunkProjector {
  private readonly logger = new Logger(ChunkProjector.name);

  constructor(
    private readonly writer: ProjectionWriter,
    private readonly metrics: ProjectorMetrics,
  ) {}

  /** `messages` is non-empty and in offset order. */
  async project(partition: number, messages: readonly KafkaMessage[], acceptGapAfter?: number): Promise<ChunkOutcome> {
    try {
      return await this.write(partition, messages, this.decode(messages), acceptGapAfter);
    } catch (error) {
      if (!isDataError(error)) {
        throw error;
      }
      return this.isolate(partition, messages, error as Error, acceptGapAfter);
    }
  }

  /** One transaction per record, so only the record Postgres refuses is quarantined. */
  private async isolate(
    partition: number,
    messages: readonly KafkaMessage[],
    error: Error,
    acceptGapAfter?: number,
  ): Promise<ChunkOutcome> {
    if (messages.length === 1) {
      return this.quarantineRefused(partition, messages[0], error, acceptGapAfter);
    }
    this.logger.warn(`partition ${partition}: Postgres refused a chunk as data; writing it one record at a time`);
    let outcome: ChunkOutcome | null = null;
    for (const message of messages) {
      outcome = await this.project(partition, [message], outcome ? undefined : acceptGapAfter);
      if (outcome.behind) {
        return outcome;
      }
    }
    return outcome as ChunkOutcome;
  }

  /**
   * A record that decoded but that Postgres refuses as data: quarantined, its seq
   * settled by a stand-in stamped with the record's Kafka time (the envelope's own
   * time may be what Postgres refused); if even that is refused, quarantined alone.
   */
  private async quarantineRefused(
    partition: number,
    message: KafkaMessage,
    error: Error,
    acceptGapAfter?: number,
  ): Promise<ChunkOutcome> {
    const reason = `postgres refused the event: ${error.message}`;
    const standIn = quarantinedStandIn(message);
    const stamped = standIn && { ...standIn, occurred_at: new Date(Number(message.timestamp)).toISOString() };
    try {
      return await this.write(partition, [message], this.poisonOf(message, reason, stamped), acceptGapAfter);
    } catch (again) {
      if (!isDataError(again)) {
        throw again;
      }
      return this.write(partition, [message], this.poisonOf(message, reason, null), acceptGapAfter);
    }
  }

  private async write(
    partition: number,
    messages: readonly KafkaMessage[],
    decoded: DecodedChunk,
    acceptGapAfter?: number,
  ): Promise<ChunkOutcome> {
    const startOffset = Number(messages[0].offset);
    const endOffset = Number(messages[messages.length - 1].offset) + 1;
    const stopTimer = this.metrics.transactionSeconds.startTimer();
    const outcome = await this.writer.write({ partition, ...decoded, startOffset, endOffset, acceptGapAfter });
    stopTimer();
    for (const [type, count] of outcome.applied) {
      this.metrics.events.inc({ type }, count);
    }
    if (outcome.replayed > 0) {
      this.metrics.replayed.inc(outcome.replayed);
    }
    for (const fenced of outcome.fenced) {
      this.metrics.fenced.inc();
      this.logger.warn(
        `ignored the event at partition ${partition} offset ${fenced.offset} ` +
          `(${conversationKey(fenced)}${fenced.seq !== null ? ` seq ${fenced.seq}` : ''}): ` +
          `its index epoch ${fenced.epoch} is below the partition's index fence ${fenced.fence}`,
      );
    }
    for (const poison of outcome.quarantined) {
      this.metrics.poison.inc();
      this.logger.error(
        `quarantined the record at partition ${partition} offset ${poison.offset}` +
          `${poison.seq !== null ? ` (settles ${poison.tenantId}/${poison.conversationId} seq ${poison.seq})` : ''}: ${poison.reason}`,
      );
    }
    return outcome;
  }

  private decode(messages: readonly KafkaMessage[]): DecodedChunk {
    const chunk: DecodedChunk = { records: [], poison: [] };
    for (const message of messages) {
      const decoded = decodeRecord(message);
      if (decoded.kind === 'poison') {
        const poison = this.poisonOf(message, decoded.reason, decoded.standIn);
        chunk.records.push(...poison.records);
        chunk.poison.push(...poison.poison);
      } else {
        chunk.records.push({ offset: Number(message.offset), record: decoded });
      }
    }
    return chunk;
  }

  /** A poison record as the writer takes it: quarantined, and its stand-in applied like any event. */
  private poisonOf(message: KafkaMessage, reason: string, standIn: MessageTombstonedEvent | null): DecodedChunk {
    const offset = Number(message.offset);
    return {
      records: [{ offset, record: { kind: 'poison', reason, standIn } }],
      poison: [
        {
          offset,
          key: message.key,
          value: message.value,
          reason,
          tenantId: standIn?.tenant_id ?? null,
          conversationId: standIn?.conversation_id ?? null,
          seq: standIn?.seq ?? null,
        },
      ],
    };
  }
}
