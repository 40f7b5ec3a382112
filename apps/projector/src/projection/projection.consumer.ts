import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EachBatchPayload, Kafka } from 'kafkajs';
import { StoredPositionConsumer, TopicReadiness } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { PROJECTOR_CONFIG, ProjectorConfig } from '../config/projector.config';
import { splitIntoChunks } from './batch-plan';
import { ChunkProjector } from './chunk-projector.service';
import { ProjectionLag } from './projection-lag.service';
import { StoredOffsets } from './stored-offsets.service';

/**
 * Consumes the conversation topic in the projector's group and projects each
 * fetched batch chunk by chunk, one Postgres transaction per chunk, from the
 * position stored in Postgres (StoredPositionConsumer).
 *
 * Offsets are resolved only after their transaction commits, so the Kafka
 * offsets kafkajs commits (after each batch, and every 5 s within a long one)
 * trail Postgres: a mirror for lag tooling.
 *
 * Ready ('kafka') once the group is joined; the detail shows the assignment and the lag.
 */
@Injectable()
export class ProjectionConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: StoredPositionConsumer;

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
        autoCommit: true,
        topicReady: () => topic.whenReady(),
        storedOffset: (partition) => storedOffsets.nextOffset(partition),
        eachBatch: (payload) => this.onBatch(payload),
      },
      new Logger(ProjectionConsumer.name),
    );
    readiness.register('kafka', () => ({
      ok: this.consumer.joined,
      detail: {
        group: config.projection.groupId,
        joined: this.consumer.joined,
        assigned: this.consumer.assigned,
        lag: this.lag.snapshot(),
      },
    }));
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  /** Before TypeORM closes the pool: the chunk being written commits, then the consumer leaves the group. */
  async beforeApplicationShutdown(): Promise<void> {
    this.readiness.markShuttingDown();
    await this.consumer.stopWithin(this.config.shutdownGraceMs);
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { partition, messages, highWatermark } = payload.batch;
    for (const chunk of splitIntoChunks(messages, this.config.projection.maxBatch)) {
      if (!payload.isRunning() || payload.isStale()) {
        break;
      }
      const outcome = await this.chunks.project(partition, chunk, this.consumer.wentBackToIn(partition));
      if (outcome.behind) {
        this.consumer.goBackTo(partition, outcome.nextOffset, Number(chunk[0].offset));
        return;
      }
      payload.resolveOffset(chunk[chunk.length - 1].offset);
      this.lag.observe(partition, Number(highWatermark), outcome.nextOffset);
      await payload.heartbeat();
    }
    await payload.commitOffsetsIfNecessary();
  }
}
