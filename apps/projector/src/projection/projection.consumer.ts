import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  Backoff,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  StoredPositionConsumer,
  TopicReadiness,
} from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { StoredPosition } from '@threadline/persistence';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import { splitIntoChunks } from './batch-plan';
import { ChunkProjector } from './chunk-projector';
import { ChunkOutcome } from './projection-writer';
import { ProjectionLag } from './projection-lag';
import { StoredOffsets } from './stored-offsets';
import { WriteBehind } from './write-behind';

/**
 * Consumes the conversation topic in the projector's group and projects each
 * fetched batch chunk by chunk, one Postgres transaction per chunk, from the
 * position stored in Postgres (StoredPositionConsumer).
 *
 * A batch is written behind the fetch (WriteBehind): the handler starts its
 * write and returns, so kafkajs fetches the partition's next batch while this one
 * commits; that next batch waits only for this write. kafkajs's own position
 * therefore runs up to one batch ahead of Postgres, which stays the truth:
 * - a write that fails backs off, then seeks the partition back to its first
 *   offset, and the batch already fetched behind it is dropped as stale;
 * - Postgres behind the consumer (lost commits) seeks back to the stored offset;
 * - every assignment starts from the stored offset, after the write in flight.
 * The group's Kafka offsets mirror the position after each batch's transactions,
 * never ahead of Postgres and in the background (a commit waiting on a dead group
 * coordinator must not hold up the next batch): for lag tooling.
 *
 * Ready ('kafka') once the group is joined and no partition is stalled (lag and no
 * progress for PROJECTOR_STALL_AFTER_MS); the detail shows the assignment, the lag
 * and the stalled partitions.
 */
@Injectable()
export class ProjectionConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ProjectionConsumer.name);
  private readonly consumer: StoredPositionConsumer<StoredPosition>;
  private readonly writes = new WriteBehind((partition, error) =>
    this.logger.error(`partition ${partition}: write ended by ${String(error)}; the next start resumes from Postgres`),
  );
  /** Per partition, the back-off before the next retry of a failed write. */
  private readonly retryDelays = new Map<number, Backoff>();
  private stopping = false;

  constructor(
    kafka: Kafka,
    topic: TopicReadiness,
    storedOffsets: StoredOffsets,
    private readonly chunks: ChunkProjector,
    private readonly lag: ProjectionLag,
    private readonly readiness: ReadinessService,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {
    this.consumer = new StoredPositionConsumer(
      kafka,
      {
        groupId: config.projection.groupId,
        topic: config.kafka.topic,
        partitionsConcurrently: config.projection.partitionsConcurrently,
        autoCommit: false,
        topicReady: () => topic.whenReady(),
        storedPosition: (partition) => storedOffsets.position(partition),
        exclusive: async (partition, work) => {
          await this.writes.settled(partition);
          await work();
        },
        eachBatch: (payload) => this.onBatch(payload),
      },
      this.logger,
    );
    readiness.register('kafka', () => {
      const stalled = this.lag.stalled();
      return {
        ok: this.consumer.joined && Object.keys(stalled).length === 0,
        detail: {
          group: config.projection.groupId,
          joined: this.consumer.joined,
          assigned: this.consumer.assigned,
          lag: this.lag.snapshot(),
          stalled,
        },
      };
    });
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  /** Before TypeORM closes the pool: the consumer leaves the group, then the writes in flight commit. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.readiness.markShuttingDown();
    await this.consumer.stopWithin(this.config.shutdownGraceMs, () => this.writes.drain());
  }

  /** Runs after the partition's previous write has ended (`exclusive`). */
  private async onBatch(payload: EachBatchPayload): Promise<void> {
    if (!payload.isRunning() || payload.isStale()) {
      return;
    }
    const { partition, messages, highWatermark } = payload.batch;
    const chunks = splitIntoChunks(messages, this.config.projection.maxBatch);
    this.writes.start(partition, () => this.write(partition, chunks, Number(highWatermark)));
    payload.resolveOffset(messages[messages.length - 1].offset);
  }

  /** Writes the batch chunk by chunk, then mirrors the position reached to the group's Kafka offsets. */
  private async write(partition: number, chunks: KafkaMessage[][], highWatermark: number): Promise<void> {
    let reached: number | null = null;
    for (const chunk of chunks) {
      const firstOffset = Number(chunk[0].offset);
      let outcome: ChunkOutcome;
      try {
        outcome = await this.chunks.project(partition, chunk, this.consumer.wentBackToIn(partition));
      } catch (error) {
        await this.retryLater(partition, firstOffset, error as Error);
        break;
      }
      this.retryDelays.delete(partition);
      if (outcome.behind) {
        this.consumer.goBackTo(partition, outcome.nextOffset, firstOffset);
        break;
      }
      reached = outcome.nextOffset;
      this.lag.observe(partition, highWatermark, reached);
    }
    if (reached !== null) {
      this.consumer.mirrorOffset(partition, reached);
    }
  }

  /**
   * Backs off (200 ms doubling to 5 s), then has the consumer fetch the chunk
   * again: the batch fetched behind it is stale from then on and dropped. While
   * stopping there is nothing to retry: the next start resumes from Postgres.
   */
  private async retryLater(partition: number, firstOffset: number, error: Error): Promise<void> {
    const backoff = this.retryDelays.get(partition) ?? new Backoff();
    this.retryDelays.set(partition, backoff);
    const delay = backoff.next();
    this.logger.warn(
      `partition ${partition}: writing from offset ${firstOffset} failed, retrying in ${delay} ms: ${error.message}`,
    );
    if (this.stopping) {
      return;
    }
    await sleep(delay);
    this.consumer.current?.seek({ topic: this.config.kafka.topic, partition, offset: String(firstOffset) });
  }
}
