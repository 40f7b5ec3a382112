import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { conversationKey, decodeRunRecord, eventConversation, RunRecord } from '@threadline/contracts';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, TopicReadiness } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { RunsReader } from '@threadline/persistence';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { FanoutStart } from '../live/fanout-start';
import { InstanceGroupConsumer } from '../live/instance-group-consumer';
import { planLiveBatch } from '../live/live-batch-plan';
import { PartitionPositions } from '../live/partition-positions';
import { RealtimeMetrics } from '../metrics/realtime-metrics';
import { RunProgressBook } from './run-progress-book';
import { RunsHub } from './runs-hub';

/** Runs whose progress the consumer keeps in memory; a forgotten one is seeded from Postgres again. */
const MAX_TRACKED_RUNS = 100_000;

/**
 * Every instance reads the whole runs topic under its own throwaway group, like
 * the fan-out does the conversation topic: each partition from the projector's
 * stored position on the runs topic (FanoutStart), so what is below it is in
 * Postgres for a stream to read. It applies planRunRecord per run
 * (RunProgressBook) and hands each run's new events and its end to the
 * conversation's streams through RunsHub. Nothing is committed; its position is
 * kept in memory (PartitionPositions), so a rejoin goes on where it stopped.
 * Its group is an InstanceGroupConsumer, as the fan-out's is.
 * Ready ('kafka_runs') once the group is joined and a first fetch resolved.
 */
@Injectable()
export class RunsLiveConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RunsLiveConsumer.name);
  readonly groupId: string;
  private readonly group: InstanceGroupConsumer;
  private readonly positions = new PartitionPositions();
  private readonly book: RunProgressBook;

  constructor(
    kafka: Kafka,
    topic: TopicReadiness,
    private readonly hub: RunsHub,
    private readonly start: FanoutStart,
    private readonly metrics: RealtimeMetrics,
    runs: RunsReader,
    @Inject(REALTIME_CONFIG) config: RealtimeConfig,
    readiness: ReadinessService,
  ) {
    this.groupId = `${config.groupPrefix}-runs-${randomUUID()}`;
    this.book = new RunProgressBook(async (tenantId, runId) => {
      const run = await runs.run(tenantId, runId);
      return run === null ? undefined : { status: 'streaming', lastRunSeq: run.last_run_seq };
    }, MAX_TRACKED_RUNS);
    this.group = new InstanceGroupConsumer(
      kafka,
      topic,
      readiness,
      metrics,
      {
        topic: config.kafka.runsTopic,
        groupId: this.groupId,
        readinessName: 'kafka_runs',
        maxWaitTimeInMs: 100,
        positions: this.positions,
        stallAfterMs: config.stallAfterMs,
        onBatch: (consumer, payload) => this.onBatch(consumer, payload),
      },
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    this.group.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.group.stop();
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const step = await planLiveBatch(this.positions, this.start, batch, this.logger);
    if (step.kind === 'seek') {
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: step.offset });
      return;
    }
    for (const message of batch.messages.slice(step.from)) {
      if (!payload.isRunning() || payload.isStale()) {
        return;
      }
      const record = this.decode(batch.partition, message);
      if (record !== null) {
        await this.publish(record);
      }
      this.positions.advance(batch.partition, message.offset);
    }
    await payload.heartbeat();
  }

  /** A record that does not decode is skipped by every consumer (the poison rule). */
  private decode(partition: number, message: KafkaMessage): RunRecord | null {
    try {
      return decodeRunRecord(message.value);
    } catch (error) {
      this.metrics.runRecordsSkipped.inc({ why: 'undecodable' });
      this.logger.error(`undecodable run record at partition ${partition} offset ${message.offset}: ${String(error)}`);
      return null;
    }
  }

  private async publish(record: RunRecord): Promise<void> {
    const outcome = await this.book.apply(record);
    if (outcome.kind === 'item') {
      this.hub.publish(conversationKey(eventConversation(record)), outcome.item);
    } else if (outcome.kind === 'skip') {
      this.metrics.runRecordsSkipped.inc({ why: outcome.why });
    }
  }
}
