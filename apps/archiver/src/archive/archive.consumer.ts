import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { decodeEvent, UndecodableEventError } from '@threadline/contracts';
import { TopicProvisioner } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { ARCHIVER_CONFIG, ArchiverConfig } from '../config/archiver.config';
import { ArchiverMetrics } from './archiver-metrics.service';
import { ArchivedOffsets } from './archived-offsets.service';
import { PartitionBuffer } from './segment-plan';
import { PartitionQueue } from './partition-queue';
import { SegmentWriter } from './segment-writer.service';

/**
 * Consumes the conversation topic in the archiver's group into one open segment
 * per partition, closed on size (ARCHIVE_SEGMENT_MAX_BYTES) or age
 * (ARCHIVE_SEGMENT_MAX_AGE_MS, checked by a timer too, so a quiet partition is
 * flushed in time).
 *
 * The position of a partition is its next offset in Postgres, committed with the
 * segment's index rows. Records are resolved in kafkajs as soon as they are
 * buffered (so the fetch moves on) but Kafka offsets are committed explicitly,
 * only after a segment's transaction: never ahead of the archive. On every
 * assignment a partition is re-read from the stored offset, and whatever was
 * buffered is dropped, so a crash or rebalance anywhere loses nothing.
 */
@Injectable()
export class ArchiveConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ArchiveConsumer.name);
  private readonly queue = new PartitionQueue();
  private readonly buffers = new Map<number, PartitionBuffer>();
  /** Next offset stored in Postgres, per partition, as far as this instance knows. */
  private readonly archived = new Map<number, number>();
  private readonly highWatermarks = new Map<number, number>();
  private consumer: Consumer | null = null;
  private joined = false;
  private assigned: number[] = [];
  private unpositioned = new Set<number>();
  private stopped = false;
  private starting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: TopicProvisioner,
    private readonly writer: SegmentWriter,
    private readonly offsets: ArchivedOffsets,
    private readonly metrics: ArchiverMetrics,
    private readonly readiness: ReadinessService,
    @Inject(ARCHIVER_CONFIG) private readonly config: ArchiverConfig,
  ) {
    readiness.register('kafka', () => ({
      ok: this.joined,
      detail: { group: config.consumer.groupId, joined: this.joined, assigned: this.assigned, lag: this.lag() },
    }));
  }

  onApplicationBootstrap(): void {
    const tick = Math.max(10, Math.min(1000, Math.floor(this.config.segments.maxAgeMs / 4)));
    this.timer = setInterval(() => this.flushOldSegments(), tick);
    this.starting = this.start();
  }

  /** Before the pool closes: the batch in hand finishes, the consumer leaves, open segments are flushed. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.readiness.markShuttingDown();
    if (this.timer) {
      clearInterval(this.timer);
    }
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.config.shutdownGraceMs);
    });
    const result = await Promise.race([this.stop().catch((error: Error) => error), gaveUp]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.logger.warn(`consumer did not stop within ${this.config.shutdownGraceMs} ms`);
    } else if (result instanceof Error) {
      this.logger.warn(`stop: ${result.message}`);
    }
  }

  private async stop(): Promise<void> {
    await this.starting;
    const consumer = this.consumer;
    await consumer?.disconnect();
    for (const partition of this.buffers.keys()) {
      if (this.isPositioned(partition)) {
        void this.queue.run(partition, async () => {
          await this.flushOnce(consumer, partition);
        });
      }
    }
    await this.queue.drain();
  }

  /** Retries with back-off while Kafka is unreachable. */
  private async start(): Promise<void> {
    for (let delay = 200; !this.stopped; delay = Math.min(delay * 2, 5000)) {
      const consumer = this.createConsumer();
      try {
        await this.topics.ensureTopic();
        await consumer.connect();
        await consumer.subscribe({ topics: [this.config.kafka.topic], fromBeginning: true });
        this.consumer = consumer;
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.config.consumer.partitionsConcurrently,
          eachBatch: (payload) => this.onBatch(consumer, payload),
        });
        this.logger.log(`archiving ${this.config.kafka.topic} as group ${this.config.consumer.groupId}`);
        return;
      } catch (error) {
        this.logger.warn(`consumer not started yet: ${(error as Error).message}`);
        this.consumer = null;
        await consumer.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.config.consumer.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 1000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const { GROUP_JOIN, CRASH, STOP } = consumer.events;
    consumer.on(GROUP_JOIN, (event) => {
      this.assigned = [...(event.payload.memberAssignment[this.config.kafka.topic] ?? [])].sort((a, b) => a - b);
      // Every partition, kept or new, restarts from its stored offset with an empty buffer;
      // what was buffered for a partition that moved away is dropped (its new owner re-reads it).
      this.unpositioned = new Set(this.assigned);
      for (const [partition, buffer] of this.buffers) {
        if (!this.unpositioned.has(partition)) {
          void this.queue.run(partition, async () => buffer.clear());
        }
      }
      this.joined = true;
    });
    consumer.on(STOP, () => {
      this.joined = false;
    });
    consumer.on(CRASH, (event) => {
      this.joined = false;
      this.logger.error(`consumer crashed: ${event.payload.error.message}`);
      if (!event.payload.restart && !this.stopped && this.consumer === consumer) {
        this.consumer = null;
        this.starting = this.start();
      }
    });
    return consumer;
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { topic, partition, messages, highWatermark } = payload.batch;
    this.highWatermarks.set(partition, Number(highWatermark));
    if (messages.length === 0) {
      return;
    }
    await this.queue.run(partition, async () => {
      if (await this.repositioned(consumer, topic, partition, messages[0].offset)) {
        return;
      }
      const buffer = this.bufferOf(partition);
      for (const message of messages) {
        if (!payload.isRunning() || payload.isStale()) {
          return;
        }
        const offset = Number(message.offset);
        const expected = buffer.nextOffset ?? this.archived.get(partition) ?? 0;
        if (offset >= expected) {
          buffer.add({ offset, event: this.decode(partition, message) }, Date.now());
        }
        payload.resolveOffset(message.offset);
        if (buffer.isFull(this.config.segments.maxBytes)) {
          await this.flushUntilDone(consumer, partition, payload);
        }
      }
      if (buffer.isOld(Date.now(), this.config.segments.maxAgeMs)) {
        await this.flushUntilDone(consumer, partition, payload);
      }
    });
    this.observeLag(partition);
  }

  /**
   * On the first batch after an assignment: drop whatever was buffered, take the
   * position from Postgres, and seek there if the fetch started elsewhere (done
   * here, not in the GROUP_JOIN listener, which kafkajs does not await).
   */
  private async repositioned(
    consumer: Consumer,
    topic: string,
    partition: number,
    firstOffset: string,
  ): Promise<boolean> {
    if (!this.unpositioned.has(partition)) {
      return false;
    }
    const stored = (await this.offsets.nextOffset(partition)) ?? 0;
    this.unpositioned.delete(partition);
    this.bufferOf(partition).clear();
    this.archived.set(partition, stored);
    if (String(stored) === firstOffset) {
      return false;
    }
    this.logger.log(`partition ${partition}: resuming at stored offset ${stored} (fetch started at ${firstOffset})`);
    consumer.seek({ topic, partition, offset: String(stored) });
    return true;
  }

  /** A full or expired segment blocks its partition until it is written (backpressure while a store is down). */
  private async flushUntilDone(consumer: Consumer, partition: number, payload: EachBatchPayload): Promise<void> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      if (await this.flushOnce(consumer, partition)) {
        return;
      }
      if (!payload.isRunning() || payload.isStale() || this.stopped) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      await payload.heartbeat();
    }
  }

  private flushOldSegments(): void {
    const now = Date.now();
    for (const [partition, buffer] of this.buffers) {
      if (this.isPositioned(partition) && buffer.isOld(now, this.config.segments.maxAgeMs)) {
        void this.queue.run(partition, async () => {
          if (this.isPositioned(partition) && buffer.isOld(Date.now(), this.config.segments.maxAgeMs)) {
            await this.flushOnce(this.consumer, partition);
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
      const outcome = await this.writer.write(plan);
      stopTimer();
      buffer.clear();
      this.archived.set(partition, outcome.nextOffset);
      this.observeLag(partition);
      if (outcome.status === 'stale') {
        this.metrics.staleSegments.inc();
        this.logger.warn(`segment ${plan.key} was already archived up to ${outcome.nextOffset}: dropped`);
        consumer?.seek({ topic: plan.topic, partition, offset: String(outcome.nextOffset) });
        return true;
      }
      this.metrics.segments.inc();
      this.metrics.events.inc(plan.lines.length);
      this.metrics.uncompressedBytes.inc(plan.uncompressedBytes);
      this.metrics.storedBytes.inc(outcome.storedBytes);
      await consumer
        ?.commitOffsets([{ topic: plan.topic, partition, offset: String(outcome.nextOffset) }])
        .catch((error: Error) => this.logger.debug(`kafka commit mirror: ${error.message}`));
      return true;
    } catch (error) {
      stopTimer();
      this.logger.warn(`segment ${plan.key} not written yet: ${(error as Error).message}`);
      return false;
    }
  }

  /** Assigned, and read from its stored offset since the last assignment. */
  private isPositioned(partition: number): boolean {
    return this.assigned.includes(partition) && !this.unpositioned.has(partition);
  }

  private bufferOf(partition: number): PartitionBuffer {
    let buffer = this.buffers.get(partition);
    if (!buffer) {
      buffer = new PartitionBuffer(this.config.kafka.topic, partition);
      this.buffers.set(partition, buffer);
    }
    return buffer;
  }

  /** An undecodable record gets no line (consumers skip it anyway) but its offset is archived past. */
  private decode(partition: number, message: KafkaMessage) {
    try {
      return decodeEvent(message.value);
    } catch (error) {
      if (!(error instanceof UndecodableEventError)) {
        throw error;
      }
      this.metrics.undecodable.inc();
      this.logger.error(`skipping record at partition ${partition} offset ${message.offset}: ${error.message}`);
      return null;
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
    for (const partition of this.assigned) {
      const high = this.highWatermarks.get(partition);
      const archived = this.archived.get(partition);
      if (high !== undefined && archived !== undefined) {
        lag[partition] = Math.max(0, high - archived);
      }
    }
    return lag;
  }
}
