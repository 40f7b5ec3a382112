import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, RestartingConsumer } from '@threadline/kafka';
import { ReadinessService } from '@threadline/observability';

export interface ThrowawayGroupOptions {
  kafka: Kafka;
  /** The topic every instance reads whole. */
  topic: string;
  /** `<prefix>-<uuid>`: a group of its own per instance. */
  groupPrefix: string;
  /** Resolves once the topic exists. */
  topicReady: () => Promise<void>;
  maxWaitTimeInMs: number;
  /** The readiness check's name. */
  readinessCheck: string;
  readiness: ReadinessService;
  logger: Logger;
  onBatch: (consumer: Consumer, payload: EachBatchPayload) => Promise<void>;
}

/**
 * How realtime reads a topic whole on every instance: a consumer group of its
 * own (nothing committed, deleted at shutdown), restarted after a crash
 * (RestartingConsumer), ready once the group is joined and a first fetch
 * resolved its start offsets. What the consumer does with a batch is its own.
 */
export class ThrowawayGroup {
  readonly groupId: string;
  private readonly restarting: RestartingConsumer;
  private joined = false;
  private fetching = false;

  constructor(private readonly options: ThrowawayGroupOptions) {
    this.groupId = `${options.groupPrefix}-${randomUUID()}`;
    this.restarting = new RestartingConsumer(
      {
        create: () => this.create(),
        topicReady: options.topicReady,
        run: (consumer) => this.run(consumer),
      },
      options.logger,
    );
    options.readiness.register(options.readinessCheck, () => ({
      ok: this.joined && this.fetching,
      detail: { group: this.groupId, joined: this.joined, fetching: this.fetching },
    }));
  }

  start(): void {
    this.restarting.start();
  }

  async stop(): Promise<void> {
    await this.restarting.stop().catch((error: Error) => this.options.logger.warn(`disconnect: ${error.message}`));
    await this.deleteGroup();
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: false });
    await consumer.run({ autoCommit: false, eachBatch: (payload) => this.options.onBatch(consumer, payload) });
    this.options.logger.log(`consuming ${this.options.topic} as ${this.groupId}`);
  }

  /** A kafkajs consumer of the group; after a restart, the owner's positions take it back to where the last one stopped. */
  private create(): Consumer {
    const consumer = this.options.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 10_000,
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
    const admin = this.options.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch (error) {
      this.options.logger.debug(`group ${this.groupId} not deleted: ${(error as Error).message}`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
