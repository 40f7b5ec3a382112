import { Logger } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, RestartingConsumer, TopicReadiness } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';

export interface InstanceGroupOptions {
  topic: string;
  /** A group no other instance joins (a random suffix). */
  groupId: string;
  /** The readiness check it registers: ok once the group is joined and a first fetch has resolved. */
  readinessName: string;
  maxWaitTimeInMs: number;
  /** Handles each batch; where a partition starts and what an offset is worth is the caller's. */
  onBatch: (consumer: Consumer, payload: EachBatchPayload) => Promise<void>;
}

/**
 * A kafkajs consumer of a whole topic under a group of this instance's alone, as
 * realtime's live consumers read their topics: it subscribes once TopicReadiness
 * has made sure the topic exists, commits nothing, is started again after a crash
 * kafkajs does not restart from (RestartingConsumer), and deletes its group on
 * stop. Logs under the owner's logger.
 */
export class InstanceGroupConsumer {
  private readonly restarting: RestartingConsumer;
  private joined = false;
  private fetching = false;

  constructor(
    private readonly kafka: Kafka,
    topic: TopicReadiness,
    readiness: ReadinessService,
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
    readiness.register(options.readinessName, () => ({
      ok: this.joined && this.fetching,
      detail: { group: options.groupId, joined: this.joined, fetching: this.fetching },
    }));
  }

  start(): void {
    this.restarting.start();
  }

  async stop(): Promise<void> {
    await this.restarting.stop().catch((error: Error) => this.logger.warn(`disconnect: ${error.message}`));
    await this.deleteGroup();
  }

  private async run(consumer: Consumer): Promise<void> {
    const { topic, groupId, onBatch } = this.options;
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => onBatch(consumer, payload) });
    this.logger.log(`consuming ${topic} as ${groupId}`);
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
