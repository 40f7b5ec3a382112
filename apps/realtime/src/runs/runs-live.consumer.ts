import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { conversationKey, decodeRunRecord, eventConversation, RunRecord } from '@threadline/contracts';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage, RestartingConsumer, TopicReadiness } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';
import { RunsReader } from '@threadline/persistence';
import { REALTIME_CONFIG, RealtimeConfig } from '../config/realtime.config';
import { FanoutStart } from '../live/fanout-start';
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
 * Ready ('kafka_runs') once the group is joined and a first fetch resolved.
 */
@Injectable()
export class RunsLiveConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RunsLiveConsumer.name);
  readonly groupId: string;
  private readonly restarting: RestartingConsumer;
  private readonly positions = new PartitionPositions();
  private readonly book: RunProgressBook;
  private joined = false;
  private fetching = false;

  constructor(
    private readonly kafka: Kafka,
    topic: TopicReadiness,
    private readonly hub: RunsHub,
    private readonly start: FanoutStart,
    private readonly metrics: RealtimeMetrics,
    runs: RunsReader,
    @Inject(REALTIME_CONFIG) private readonly config: RealtimeConfig,
    readiness: ReadinessService,
  ) {
    this.groupId = `${config.groupPrefix}-runs-${randomUUID()}`;
    this.book = new RunProgressBook(async (tenantId, runId) => {
      const run = await runs.run(tenantId, runId);
      return run === null ? undefined : { status: 'streaming', lastRunSeq: run.last_run_seq };
    }, MAX_TRACKED_RUNS);
    this.restarting = new RestartingConsumer(
      {
        create: () => this.create(),
        topicReady: () => topic.whenReady(),
        run: (consumer) => this.run(consumer),
      },
      this.logger,
    );
    readiness.register('kafka_runs', () => ({
      ok: this.joined && this.fetching,
      detail: { group: this.groupId, joined: this.joined, fetching: this.fetching },
    }));
  }

  onApplicationBootstrap(): void {
    this.restarting.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.restarting.stop().catch((error: Error) => this.logger.warn(`disconnect: ${error.message}`));
    await this.deleteGroup();
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.subscribe({ topic: this.config.kafka.runsTopic, fromBeginning: false });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.onBatch(consumer, payload) });
    this.logger.log(`consuming ${this.config.kafka.runsTopic} as ${this.groupId}`);
  }

  private create(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 10_000,
      // The group is this instance's alone: a rebalance can only wait for a stale member of its own (an
      // earlier join of this consumer, e.g. after its group coordinator died). kafkajs's default (60 s)
      // held live streams that long after a coordinator failover; a batch here takes milliseconds.
      rebalanceTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const { GROUP_JOIN, FETCH, CRASH, DISCONNECT } = consumer.events;
    consumer.on(GROUP_JOIN, () => {
      this.joined = true;
      this.fetching = false;
    });
    consumer.on(FETCH, () => {
      this.fetching = this.joined;
    });
    for (const event of [CRASH, DISCONNECT]) {
      consumer.on(event, () => {
        this.joined = false;
        this.fetching = false;
      });
    }
    return consumer;
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const offsets = batch.messages.map((m) => m.offset);
    let plan = this.positions.plan(batch.partition, offsets);
    if (plan.kind === 'locate') {
      const start = await this.start.of(this.config.kafka.runsTopic, batch.partition);
      this.positions.start(batch.partition, start, batch.firstOffset());
      this.logger.log(
        `partition ${batch.partition}: starting at offset ${start.nextOffset} (the projector's position)`,
      );
      plan = this.positions.plan(batch.partition, offsets);
    }
    if (plan.kind === 'seek') {
      consumer.seek({ topic: batch.topic, partition: batch.partition, offset: plan.offset });
      return;
    }
    for (const message of batch.messages.slice(plan.kind === 'deliver' ? plan.from : 0)) {
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

  private async deleteGroup(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch (error) {
      this.logger.debug(`group ${this.groupId} not deleted: ${(error as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
