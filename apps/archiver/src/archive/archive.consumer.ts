import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { conversationKey, DecodedRecord, decodeRecord } from '@threadline/contracts';
import {
  Consumer,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  retryWithBackoff,
  StoredPositionConsumer,
  TopicProvisioner,
} from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { StoredPosition } from '@threadline/persistence';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';
import { ArchiverMetrics } from './archiver-metrics';
import { ArchivedOffsets } from './archived-offsets';
import { PartitionBuffer, planRange, SegmentPlan } from './segment-plan';
import { PartitionQueue } from './partition-queue';
import { SegmentWriter } from './segment-writer';

/**
 * Consumes the conversation topic in the archiver's group into one open segment
 * per partition, closed on size (ARCHIVE_SEGMENT_MAX_BYTES) or age
 * (ARCHIVE_SEGMENT_MAX_AGE_MS, checked by a timer too, so a quiet partition is
 * flushed in time).
 *
 * The position of a partition (StoredPositionConsumer) is its next offset and
 * index fence in Postgres, committed with the segment's index rows; the fence
 * rule (docs/events.md rule 6) runs from there, so records the rule ignores get no
 * line. Records are resolved in kafkajs as soon as they are buffered (so the
 * fetch moves on) but Kafka offsets are committed explicitly, only after a
 * segment's transaction: never ahead of the archive. On every
 * assignment a partition is re-read from the stored offset, and whatever was
 * buffered is dropped, so a crash or rebalance anywhere loses nothing.
 */
@Injectable()
export class ArchiveConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ArchiveConsumer.name);
  private readonly consumer: StoredPositionConsumer<StoredPosition>;
  private readonly queue = new PartitionQueue();
  private readonly buffers = new Map<number, PartitionBuffer>();
  /** Next offset stored in Postgres, per partition, as far as this instance knows. */
  private readonly archived = new Map<number, number>();
  private readonly highWatermarks = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    kafka: Kafka,
    topics: TopicProvisioner,
    offsets: ArchivedOffsets,
    private readonly writer: SegmentWriter,
    private readonly metrics: ArchiverMetrics,
    private readonly readiness: ReadinessService,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
  ) {
    this.consumer = new StoredPositionConsumer(
      kafka,
      {
        groupId: config.consumer.groupId,
        topic: config.kafka.topic,
        partitionsConcurrently: config.consumer.partitionsConcurrently,
        autoCommit: false,
        topicReady: () => topics.ensureTopic(),
        storedPosition: (partition) => offsets.position(partition),
        onAssigned: (partitions) => this.dropMovedAway(partitions),
        onPositioned: (partition, stored) => {
          this.bufferOf(partition).restart(stored.indexFence);
          this.archived.set(partition, stored.nextOffset);
        },
        exclusive: (partition, work) => this.queue.run(partition, work),
        eachBatch: (payload) => this.onBatch(payload),
      },
      this.logger,
    );
    readiness.register('kafka', () => ({
      ok: this.consumer.joined,
      detail: {
        group: config.consumer.groupId,
        joined: this.consumer.joined,
        assigned: this.consumer.assigned,
        lag: this.lag(),
      },
    }));
  }

  onApplicationBootstrap(): void {
    const tick = Math.max(10, Math.min(1000, Math.floor(this.config.segments.maxAgeMs / 4)));
    this.timer = setInterval(() => this.flushOldSegments(), tick);
    this.consumer.start();
  }

  /** Before the pool closes: the batch in hand finishes, the consumer leaves, open segments are flushed. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.readiness.markShuttingDown();
    if (this.timer) {
      clearInterval(this.timer);
    }
    const consumer = this.consumer.current;
    await this.consumer.stopWithin(this.config.shutdownGraceMs, async () => {
      for (const partition of this.buffers.keys()) {
        if (this.consumer.isPositioned(partition)) {
          void this.queue.run(partition, async () => {
            await this.flushOnce(consumer, partition);
          });
        }
      }
      await this.queue.drain();
    });
  }

  /**
   * Every partition, kept or new, restarts from its stored offset with an empty
   * buffer (onPositioned); what was buffered for a partition that moved away is
   * dropped now (its new owner re-reads it).
   */
  private dropMovedAway(assigned: number[]): void {
    for (const [partition, buffer] of this.buffers) {
      if (!assigned.includes(partition)) {
        void this.queue.run(partition, async () => buffer.clear());
      }
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { partition, messages, highWatermark } = payload.batch;
    this.highWatermarks.set(partition, Number(highWatermark));
    const buffer = this.bufferOf(partition);
    for (const message of messages) {
      if (!payload.isRunning() || payload.isStale()) {
        return;
      }
      const offset = Number(message.offset);
      const expected = buffer.nextOffset ?? this.archived.get(partition) ?? 0;
      if (offset >= expected) {
        buffer.add({ offset, record: this.decode(partition, message) }, Date.now());
      }
      payload.resolveOffset(message.offset);
      if (buffer.isFull(this.config.segments.maxBytes)) {
        await this.flushUntilDone(partition, payload);
      }
    }
    if (buffer.isOld(Date.now(), this.config.segments.maxAgeMs)) {
      await this.flushUntilDone(partition, payload);
    }
    this.observeLag(partition);
  }

  /** A full or expired segment blocks its partition until it is written (backpressure while a store is down). */
  private async flushUntilDone(partition: number, payload: EachBatchPayload): Promise<void> {
    await retryWithBackoff(() => this.flushOnce(this.consumer.current, partition), {
      stopped: () => !payload.isRunning() || payload.isStale() || this.stopping,
      beforeRetry: () => payload.heartbeat(),
    });
  }

  private flushOldSegments(): void {
    const now = Date.now();
    for (const [partition, buffer] of this.buffers) {
      if (this.consumer.isPositioned(partition) && buffer.isOld(now, this.config.segments.maxAgeMs)) {
        void this.queue.run(partition, async () => {
          if (this.consumer.isPositioned(partition) && buffer.isOld(Date.now(), this.config.segments.maxAgeMs)) {
            await this.flushOnce(this.consumer.current, partition);
          }
        });
      }
    }
  }

  /** Writes the partition's open segment; false (buffer kept) when the store or Postgres failed. */
  private async flushOnce(consumer: Consumer | null, partition: number): Promise<boolean> {
    const buffer = this.buffers.get(partition);
    if (!buffer || buffer.size === 0) {
      return true;
    }
    const plan = buffer.plan();
    const stopTimer = this.metrics.flushSeconds.startTimer();
    try {
      const outcome = await this.writer.write(plan, this.consumer.wentBackToIn(partition));
      stopTimer();
      buffer.restart(outcome.fence);
      this.archived.set(partition, outcome.nextOffset);
      this.observeLag(partition);
      if (outcome.status === 'behind') {
        this.consumer.goBackTo(partition, outcome.nextOffset, plan.firstOffset);
        return true;
      }
      if (outcome.status === 'stale') {
        this.metrics.staleSegments.inc();
        this.logger.warn(`segments of ${planRange(plan)} were already archived up to ${outcome.nextOffset}: dropped`);
        consumer?.seek({ topic: plan.topic, partition, offset: String(outcome.nextOffset) });
        return true;
      }
      this.metrics.segments.inc();
      this.metrics.events.inc(plan.lineCount);
      this.noteFenced(plan);
      this.metrics.uncompressedBytes.inc(plan.uncompressedBytes);
      this.metrics.storedBytes.inc(outcome.storedBytes);
      this.consumer.mirrorOffset(partition, outcome.nextOffset);
      return true;
    } catch (error) {
      stopTimer();
      this.logger.warn(`segments of ${planRange(plan)} not written yet: ${(error as Error).message}`);
      return false;
    }
  }

  private bufferOf(partition: number): PartitionBuffer {
    let buffer = this.buffers.get(partition);
    if (!buffer) {
      buffer = new PartitionBuffer(this.config.kafka.topic, partition);
      this.buffers.set(partition, buffer);
    }
    return buffer;
  }

  /**
   * The poison rule (docs/events.md): a record that does not decode is archived
   * as its stand-in tombstone when its envelope names a seq, else it gets no line;
   * either way its offset is archived past. The fence rule is the buffer's.
   */
  private decode(partition: number, message: KafkaMessage): DecodedRecord {
    const decoded = decodeRecord(message);
    if (decoded.kind === 'poison') {
      this.metrics.poison.inc();
      this.logger.error(`poison record at partition ${partition} offset ${message.offset}: ${decoded.reason}`);
    }
    return decoded;
  }

  /** Events of an archived segment the fence rule left out: counted and logged once, when the segment is indexed. */
  private noteFenced(plan: SegmentPlan): void {
    for (const fenced of plan.fenced) {
      this.metrics.fenced.inc();
      this.logger.warn(
        `left out the event at partition ${plan.partition} offset ${fenced.offset} ` +
          `(${conversationKey(fenced)}${fenced.seq !== null ? ` seq ${fenced.seq}` : ''}): ` +
          `its index epoch is below the partition's index fence`,
      );
    }
  }

  private observeLag(partition: number): void {
    const high = this.highWatermarks.get(partition);
    const archived = this.archived.get(partition);
    if (high !== undefined && archived !== undefined) {
      this.metrics.lag.set({ partition: String(partition) }, Math.max(0, high - archived));
    }
  }

  private lag(): Record<string, number> {
    const lag: Record<string, number> = {};
    for (const partition of this.consumer.assigned) {
      const high = this.highWatermarks.get(partition);
      const archived = this.archived.get(partition);
      if (high !== undefined && archived !== undefined) {
        lag[partition] = Math.max(0, high - archived);
      }
    }
    return lag;
  }
}
