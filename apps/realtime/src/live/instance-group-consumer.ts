import { Logger } from '@nestjs/common';
import {
  Consumer,
  EachBatchPayload,
  Kafka,
  RestartingConsumer,
  TopicOffsetsReader,
  TopicReadiness,
} from '@threadline/kafka';
import { PeriodicTask, ReadinessService } from '@threadline/observability';
import { RealtimeMetrics } from '../metrics/realtime-metrics';
import { LiveLagWatch, StalledPartition } from './live-lag-watch';
import { PartitionPositions } from './partition-positions';

/** The longest time between two progress checks; shorter when the stall time is (a third of it). */
const PROGRESS_CHECK_MAX_MS = 5000;

export interface InstanceGroupOptions {
  topic: string;
  /** A group no other instance joins (a random suffix). */
  groupId: string;
  /** The readiness check it registers: ok once the group is joined and a first fetch has resolved. */
  readinessName: string;
  maxWaitTimeInMs: number;
  /** The owner's position per partition: what the group goes back to after a rejoin, and what its progress is checked on. */
  positions: PartitionPositions;
  /** A partition with records past its position and no progress for this long makes the group start its consumer again. */
  stallAfterMs: number;
  /** Handles each batch; where a partition starts and what an offset is worth is the caller's. */
  onBatch: (consumer: Consumer, payload: EachBatchPayload) => Promise<void>;
}

/**
 * A kafkajs consumer of a whole topic under a group of this instance's alone, as
 * realtime's live consumers read their topics: it subscribes once TopicReadiness
 * has made sure the topic exists, commits nothing, is started again after a crash
 * kafkajs does not restart from (RestartingConsumer), and deletes its group on
 * stop. Logs under the owner's logger.
 *
 * Its group starts at the latest offset, so on every join (the first, one after
 * a broker restart, one of a consumer kafkajs or this class started again) it
 * seeks each partition to the owner's position: what was produced while it was
 * away is fetched even when nothing newer comes to show it missing.
 *
 * It also checks its own progress (LiveLagWatch): a partition with records past
 * the owner's position that does not move for `stallAfterMs` is logged with what
 * the consumer last saw of it, counted, and the consumer is started again; the
 * new one goes back to the owner's position (or, when Kafka no longer has the
 * records around it, to where the projector stands; for a partition it had no
 * position in, to the offset the watch saw first). Readiness names the stalled
 * partitions meanwhile.
 */
export class InstanceGroupConsumer {
  private readonly restarting: RestartingConsumer;
  private readonly ends: TopicOffsetsReader;
  private readonly watch: LiveLagWatch;
  private readonly progressCheck: PeriodicTask;
  private joined = false;
  private fetching = false;
  private stalled: StalledPartition[] = [];
  /** What a stall report shows: the assignment of the last join, and per partition when its last batch came and where it began. */
  private assignment: unknown = null;
  private readonly lastBatch = new Map<number, { at: number; firstOffset: string | null; messages: number }>();
  /** Where the next join takes partitions the owner has no position in, after a stall in them. */
  private readonly resumeUnplaced = new Map<number, number>();

  constructor(
    private readonly kafka: Kafka,
    topic: TopicReadiness,
    readiness: ReadinessService,
    private readonly metrics: RealtimeMetrics,
    private readonly options: InstanceGroupOptions,
    private readonly logger: Logger,
  ) {
    this.restarting = new RestartingConsumer(
      {
        create: () => this.create(),
        topicReady: () => topic.whenReady(),
        run: (consumer) => this.run(consumer),
      },
      logger,
    );
    this.ends = new TopicOffsetsReader(kafka, options.topic);
    this.watch = new LiveLagWatch(
      () => this.ends.read(),
      () => options.positions.nextOffsets(),
      options.stallAfterMs,
    );
    this.progressCheck = new PeriodicTask(() => this.checkProgress(), {
      name: 'progress check',
      intervalMs: Math.min(PROGRESS_CHECK_MAX_MS, Math.ceil(options.stallAfterMs / 3)),
      logger,
      failureLevel: 'debug',
      unref: true,
    });
    readiness.register(options.readinessName, () => ({
      ok: this.joined && this.fetching && this.stalled.length === 0,
      detail: { group: options.groupId, joined: this.joined, fetching: this.fetching, stalled: this.stalled },
    }));
  }

  start(): void {
    this.restarting.start();
    this.progressCheck.start();
  }

  async stop(): Promise<void> {
    await this.progressCheck.stop();
    await this.restarting.stop().catch((error: Error) => this.logger.warn(`disconnect: ${error.message}`));
    await this.ends.close();
    await this.deleteGroup();
  }

  private async run(consumer: Consumer): Promise<void> {
    const { topic, groupId, onBatch } = this.options;
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: (payload) => {
        const { partition, messages } = payload.batch;
        this.lastBatch.set(partition, {
          at: Date.now(),
          firstOffset: payload.batch.firstOffset(),
          messages: messages.length,
        });
        return onBatch(consumer, payload);
      },
    });
    this.logger.log(`consuming ${topic} as ${groupId}`);
  }

  /** One progress check: the lag per partition, and a new consumer when a partition stalled. */
  private async checkProgress(): Promise<void> {
    const { topic, positions } = this.options;
    const now = Date.now();
    this.stalled = await this.watch.check(now);
    for (const [partition, lag] of this.watch.lag()) {
      this.metrics.consumerLag.set({ topic, partition: String(partition) }, lag);
    }
    if (this.stalled.length === 0) {
      return;
    }
    this.logger.error(
      `no progress on ${this.stalled.map((s) => this.describeStall(s, now)).join('; ')}; ` +
        `assignment of the last join ${JSON.stringify(this.assignment)}, joined ${this.joined}, fetching ${this.fetching}; ` +
        'starting the consumer again',
    );
    for (const stall of this.stalled) {
      const { partition, position, placed } = stall;
      if (!placed) {
        this.resumeUnplaced.set(partition, position);
      } else if (recordsGone(stall)) {
        positions.forget(partition);
      }
      this.watch.forget(partition);
    }
    this.metrics.consumerRestarts.inc({ topic });
    await this.restarting.restart();
    this.stalled = [];
  }

  private describeStall(stall: StalledPartition, now: number): string {
    const { partition, position, placed, end, stuckForMs } = stall;
    const last = this.lastBatch.get(partition);
    const batch = last
      ? `last batch ${now - last.at} ms ago from offset ${last.firstOffset} (${last.messages} messages)`
      : 'no batch yet';
    const gone = !placed
      ? ' (no position yet: it starts again at that offset)'
      : recordsGone(stall)
        ? ' (records around its position are gone from Kafka: it starts again where the projector stands)'
        : '';
    return `partition ${partition} at offset ${position}, end ${end}${gone}, for ${stuckForMs} ms, ${batch}`;
  }

  /** A kafkajs consumer of the group; after a restart, the owner's positions take it back to where the last one stopped. */
  private create(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 10_000,
      // The group is this instance's alone: a rebalance can only wait for a stale member of its own (an
      // earlier join of this consumer, e.g. after its group coordinator died). kafkajs's default (60 s)
      // held live streams that long after a coordinator failover; a batch here takes milliseconds.
      rebalanceTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const { GROUP_JOIN, FETCH, CRASH, DISCONNECT } = consumer.events;
    consumer.on(GROUP_JOIN, (event) => {
      this.joined = true;
      this.fetching = false;
      this.assignment = event.payload.memberAssignment;
      this.options.positions.rejoined();
      this.seekToPositions(consumer, event.payload.memberAssignment[this.options.topic] ?? []);
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

  /**
   * Seeks each assigned partition to the owner's position, or to where a stall in a partition without one
   * began (kafkajs applies a seek at the partition's next fetch).
   */
  private seekToPositions(consumer: Consumer, assigned: readonly number[]): void {
    const targets = new Map(this.resumeUnplaced);
    this.resumeUnplaced.clear();
    for (const [partition, offset] of this.options.positions.nextOffsets()) {
      targets.set(partition, offset);
    }
    for (const [partition, offset] of targets) {
      if (assigned.includes(partition)) {
        consumer.seek({ topic: this.options.topic, partition, offset: String(offset) });
      }
    }
  }

  /** The group has no offsets and no members left; removing it keeps the broker tidy. */
  private async deleteGroup(): Promise<void> {
    const { groupId } = this.options;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch (error) {
      this.logger.debug(`group ${groupId} not deleted: ${(error as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/**
 * Kafka no longer has the records around a stalled partition's position: ones the consumer handled (the end is
 * below it) or ones it has yet to read (retention passed it). Going back there cannot work.
 */
function recordsGone({ position, end, earliest }: StalledPartition): boolean {
  return end < position || earliest > position;
}
