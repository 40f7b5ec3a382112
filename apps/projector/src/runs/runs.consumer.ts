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
import { RunsChunkProjector } from './runs-chunk-projector';
import { RunsOffsets } from './runs-offsets';

/** The Kafka group of the runs consumer: its own, since a group's members must share one subscription. */
export function runsGroupId(projectorGroupId: string): string {
  return `${projectorGroupId}.runs`;
}

/**
 * Consumes the runs topic from the position stored in Postgres
 * (StoredPositionConsumer) and writes each batch chunk by chunk (RunsChunkProjector),
 * at most PROJECTOR_MAX_BATCH records per transaction. A chunk that fails is
 * retried after a back-off from its first offset; Postgres behind the consumer
 * (lost commits) sends it back to the stored offset. The group's Kafka offsets
 * only mirror Postgres. Ready ('kafka_runs') once the group is joined.
 */
@Injectable()
export class RunsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RunsConsumer.name);
  private readonly consumer: StoredPositionConsumer<StoredPosition>;
  private readonly groupId: string;
  private readonly backoff = new Backoff();

  constructor(
    kafka: Kafka,
    topic: TopicReadiness,
    offsets: RunsOffsets,
    private readonly chunks: RunsChunkProjector,
    readiness: ReadinessService,
    @Inject(PROJECTOR_CONFIG) private readonly config: ProjectorConfig,
  ) {
    this.groupId = runsGroupId(config.projection.groupId);
    this.consumer = new StoredPositionConsumer(
      kafka,
      {
        groupId: this.groupId,
        topic: config.kafka.runsTopic,
        partitionsConcurrently: config.projection.partitionsConcurrently,
        autoCommit: false,
        topicReady: () => topic.whenReady(),
        storedPosition: (partition) => offsets.position(partition),
        eachBatch: (payload) => this.onBatch(payload),
      },
      this.logger,
    );
    readiness.register('kafka_runs', () => ({
      ok: this.consumer.joined,
      detail: { group: this.groupId, joined: this.consumer.joined, assigned: this.consumer.assigned },
    }));
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stopWithin(this.config.shutdownGraceMs);
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { partition, messages } = payload.batch;
    const size = this.config.projection.maxBatch;
    for (let start = 0; start < messages.length; start += size) {
      if (!payload.isRunning() || payload.isStale()) {
        return;
      }
      const chunk = messages.slice(start, start + size);
      if (!(await this.write(partition, chunk))) {
        return;
      }
      payload.resolveOffset(chunk[chunk.length - 1].offset);
      await payload.heartbeat();
    }
  }

  /** True when the chunk is stored and the batch may go on. */
  private async write(partition: number, chunk: KafkaMessage[]): Promise<boolean> {
    const startOffset = Number(chunk[0].offset);
    try {
      const outcome = await this.chunks.project(partition, chunk, this.consumer.wentBackToIn(partition));
      this.backoff.reset();
      if (outcome.behind) {
        this.consumer.goBackTo(partition, outcome.nextOffset, startOffset);
        return false;
      }
      this.consumer.mirrorOffset(partition, outcome.nextOffset);
      return true;
    } catch (error) {
      const delay = this.backoff.next();
      this.logger.warn(
        `partition ${partition}: projecting runs from offset ${startOffset} failed, retrying in ${delay} ms: ${(error as Error).message}`,
      );
      await sleep(delay);
      this.consumer.current?.seek({ topic: this.config.kafka.runsTopic, partition, offset: String(startOffset) });
      return false;
    }
  }
}
