import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { TopicReadiness } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import { splitIntoChunks } from './batch-plan';
import { ChunkProjector } from './chunk-projector.service';
import { ProjectionLag } from './projection-lag.service';
import { StoredOffsets } from './stored-offsets.service';

/**
 * Consumes the conversation topic in the projector's group and projects each
 * fetched batch chunk by chunk, one Postgres transaction per chunk.
 *
 * The position of a partition is its next offset in Postgres, not the group's
 * offset in Kafka. Offsets are resolved only after their transaction commits, so
 * the Kafka offsets kafkajs commits (after each batch, and every 5 s within a
 * long one) trail Postgres: a mirror for lag tooling. A plain kafkajs consumer
 * because Nest's Kafka transport only hands out single messages.
 *
 * Ready ('kafka') once the group is joined; the detail shows the assignment and the lag.
 */
@Injectable()
export class ProjectionConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ProjectionConsumer.name);
  private consumer: Consumer | null = null;
  private joined = false;
  private assigned: number[] = [];
  /** Partitions assigned at the last join whose position has not been taken from Postgres yet. */
  private unpositioned = new Set<number>();
  private stopped = false;
  private starting: Promise<void> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: TopicReadiness,
    private readonly chunks: ChunkProjector,
    private readonly storedOffsets: StoredOffsets,
    private readonly lag: ProjectionLag,
    private readonly readiness: ReadinessService,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {
    readiness.register('kafka', () => ({
      ok: this.joined,
      detail: {
        group: config.projection.groupId,
        joined: this.joined,
        assigned: this.assigned,
        lag: this.lag.snapshot(),
      },
    }));
  }

  onApplicationBootstrap(): void {
    this.starting = this.start();
  }

  /** Before TypeORM closes the pool: the chunk being written commits, then the consumer leaves the group. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.readiness.markShuttingDown();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.config.shutdownGraceMs);
    });
    const result = await Promise.race([this.stop().catch((error: Error) => error), gaveUp]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.logger.warn(`consumer did not stop within ${this.config.shutdownGraceMs} ms`);
    } else if (result instanceof Error) {
      this.logger.warn(`disconnect: ${result.message}`);
    }
  }

  /** kafkajs' disconnect waits for the batch in hand, which stops after its current chunk. */
  private async stop(): Promise<void> {
    await this.starting;
    await this.consumer?.disconnect();
  }

  /** Retries with back-off while Kafka is unreachable. */
  private async start(): Promise<void> {
    for (let delay = 200; !this.stopped; delay = Math.min(delay * 2, 5000)) {
      const consumer = this.createConsumer();
      try {
        await this.topic.whenReady();
        await consumer.connect();
        await consumer.subscribe({ topics: [this.config.kafka.topic], fromBeginning: true });
        this.consumer = consumer;
        await consumer.run({
          autoCommit: true,
          autoCommitInterval: 5000,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.config.projection.partitionsConcurrently,
          eachBatch: (payload) => this.onBatch(consumer, payload),
        });
        this.logger.log(`projecting ${this.config.kafka.topic} as group ${this.config.projection.groupId}`);
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
      groupId: this.config.projection.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 1000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const { GROUP_JOIN, CRASH, STOP } = consumer.events;
    // kafkajs emits GROUP_JOIN before it fetches for the new assignment, so every
    // first batch of a partition finds it here.
    consumer.on(GROUP_JOIN, (event) => {
      this.assigned = [...(event.payload.memberAssignment[this.config.kafka.topic] ?? [])].sort((a, b) => a - b);
      this.unpositioned = new Set(this.assigned);
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
    const { batch } = payload;
    const { topic, partition, messages } = batch;
    if (messages.length === 0 || (await this.repositioned(consumer, topic, partition, messages[0].offset))) {
      return;
    }
    for (const chunk of splitIntoChunks(messages, this.config.projection.maxBatch)) {
      if (!payload.isRunning() || payload.isStale()) {
        break;
      }
      const outcome = await this.chunks.project(partition, chunk);
      payload.resolveOffset(chunk[chunk.length - 1].offset);
      this.lag.observe(partition, Number(batch.highWatermark), outcome.nextOffset);
      await payload.heartbeat();
    }
    await payload.commitOffsetsIfNecessary();
  }

  /**
   * On the first batch of a newly assigned partition: if the fetch did not start
   * at the offset stored in Postgres, seek there and drop the batch. Done here
   * rather than in the GROUP_JOIN listener, which kafkajs does not await, so the
   * first fetch cannot race the seek. The writer skips anything below the stored
   * offset anyway; this saves re-reading what is already projected and catches
   * a Kafka offset that is ahead of Postgres.
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
    const stored = (await this.storedOffsets.nextOffset(partition)) ?? 0;
    this.unpositioned.delete(partition);
    if (String(stored) === firstOffset) {
      return false;
    }
    this.logger.log(`partition ${partition}: resuming at stored offset ${stored} (fetch started at ${firstOffset})`);
    consumer.seek({ topic, partition, offset: String(stored) });
    return true;
  }
}
