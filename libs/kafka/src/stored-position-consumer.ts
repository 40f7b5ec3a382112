import { Logger } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { CommittedOffset, OffsetMirror } from './offset-mirror';
import { RestartingConsumer } from './restarting-consumer';

/** A partition's position as the owner stores it: the next offset, and whatever it keeps with it. */
export interface StoredOffset {
  nextOffset: number;
}

export interface StoredPositionConsumerOptions<P extends StoredOffset> {
  groupId: string;
  topic: string;
  partitionsConcurrently: number;
  /**
   * Whether kafkajs commits the group's offsets itself (after each batch and every
   * 5 s) or the owner mirrors them after its own writes (mirrorOffset). Either way
   * they only mirror the position stored in Postgres, for lag tooling.
   */
  autoCommit: boolean;
  /** Resolves once the topic exists. */
  topicReady(): Promise<void>;
  /**
   * The partition's position as stored in Postgres with the owner's writes (its
   * next offset, and what holds there, such as the index fence); the start of the
   * partition when none is stored.
   */
  storedPosition(partition: number): Promise<P>;
  /** Every new assignment, partitions ascending. */
  onAssigned?(partitions: number[]): void;
  /** The partition (re)starts from `stored`: what the owner held for it from before is void. */
  onPositioned?(partition: number, stored: P): void;
  /** Runs `work` for a partition exclusively of the owner's other work on it (default: directly). */
  exclusive?(partition: number, work: () => Promise<void>): Promise<void>;
  /** A non-empty batch of a positioned partition, in offset order from its stored position on. */
  eachBatch(payload: EachBatchPayload, consumer: Consumer): Promise<void>;
}

/**
 * A kafkajs group consumer whose position per partition lives in Postgres, not
 * in Kafka: the projector and the archiver commit their writes and the next
 * offset in one transaction, so a crash anywhere replays from exactly there.
 *
 * On the first batch of each assignment it reads the stored offset and, when the
 * fetch started elsewhere, seeks there and drops the batch. That happens in the
 * batch handler rather than in the GROUP_JOIN listener, which kafkajs does not
 * await, so the first fetch cannot race the seek. Starting with back-off and
 * restarting after a crash are RestartingConsumer's.
 * (Nest's Kafka transport hands out single messages; both owners need batches.)
 */
export class StoredPositionConsumer<P extends StoredOffset = StoredOffset> {
  private readonly restarting: RestartingConsumer;
  private joinedGroup = false;
  private assignment: number[] = [];
  /** Partitions of the current assignment whose position has not been taken from Postgres yet. */
  private unpositioned = new Set<number>();
  /** Per partition, the stored offset this instance last went back to (goBackTo). */
  private readonly wentBackTo = new Map<number, number>();
  private readonly offsets: OffsetMirror;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: StoredPositionConsumerOptions<P>,
    private readonly logger: Logger,
  ) {
    this.restarting = new RestartingConsumer(
      {
        create: () => this.create(),
        topicReady: () => this.options.topicReady(),
        run: (consumer) => this.run(consumer),
      },
      logger,
    );
    this.offsets = new OffsetMirror(options.topic, (offsets) => this.commit(offsets), logger);
  }

  get joined(): boolean {
    return this.joinedGroup;
  }

  get assigned(): number[] {
    return this.assignment;
  }

  /** The running kafkajs consumer, for the owner's offset commits and seeks. */
  get current(): Consumer | null {
    return this.restarting.current;
  }

  /** Assigned, and read from its stored offset since the last assignment. */
  isPositioned(partition: number): boolean {
    return this.assignment.includes(partition) && !this.unpositioned.has(partition);
  }

  /**
   * Postgres is behind the position this consumer had reached in `partition`: it
   * lost commits it had acknowledged (a crash with synchronous_commit=off, a
   * failover to a lagging replica). Fetches again from `stored`; the owner should
   * drop what it holds for the partition and stop its current batch.
   */
  goBackTo(partition: number, stored: number, reachedOffset: number): void {
    this.logger.error(
      `partition ${partition}: Postgres is behind (stored offset ${stored}, reached ${reachedOffset}); ` +
        'committed transactions were lost, consuming again from the stored offset',
    );
    this.wentBackTo.set(partition, stored);
    this.restarting.current?.seek({ topic: this.options.topic, partition, offset: String(stored) });
  }

  /**
   * The stored offset goBackTo last went back to in `partition`. A write that still
   * starts above it proceeds: Kafka no longer has the offsets in between (topic
   * retention), and going back again would loop.
   */
  wentBackToIn(partition: number): number | undefined {
    return this.wentBackTo.get(partition);
  }

  start(): void {
    this.restarting.start();
  }

  /**
   * Everything below `nextOffset` of `partition` is stored in Postgres: mirrors it to the
   * group's Kafka offsets in the background (OffsetMirror), never holding up the caller.
   */
  mirrorOffset(partition: number, nextOffset: number): void {
    this.offsets.record(partition, nextOffset);
  }

  /**
   * Leaves the group (kafkajs waits for the batch in hand, which the owner ends at
   * its next checkpoint), then runs the owner's `afterwards`, all within `graceMs`.
   */
  async stopWithin(graceMs: number, afterwards: () => Promise<void> = async () => undefined): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
    });
    const stopping = (async () => {
      await this.restarting.stop();
      await afterwards();
      this.offsets.stop();
    })();
    const result = await Promise.race([stopping.catch((error: Error) => error), gaveUp]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.logger.warn(`consumer did not stop within ${graceMs} ms`);
    } else if (result instanceof Error) {
      this.logger.warn(`stop: ${result.message}`);
    }
  }

  private async commit(offsets: CommittedOffset[]): Promise<void> {
    const consumer = this.restarting.current;
    if (consumer === null) {
      throw new Error('no consumer is running');
    }
    await consumer.commitOffsets(offsets);
  }

  private async run(consumer: Consumer): Promise<void> {
    await consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: this.options.autoCommit,
      autoCommitInterval: this.options.autoCommit ? 5000 : null,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently,
      eachBatch: (payload) => this.onBatch(consumer, payload),
    });
    this.logger.log(`consuming ${this.options.topic} as group ${this.options.groupId}`);
  }

  private create(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 1000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    const { GROUP_JOIN, CRASH, STOP } = consumer.events;
    // kafkajs emits GROUP_JOIN before it fetches for the new assignment, so every
    // first batch of a partition finds it unpositioned.
    consumer.on(GROUP_JOIN, (event) => {
      this.assignment = [...(event.payload.memberAssignment[this.options.topic] ?? [])].sort((a, b) => a - b);
      this.unpositioned = new Set(this.assignment);
      this.offsets.retain(this.assignment);
      this.options.onAssigned?.(this.assignment);
      this.joinedGroup = true;
    });
    consumer.on(STOP, () => {
      this.joinedGroup = false;
    });
    consumer.on(CRASH, () => {
      this.joinedGroup = false;
    });
    return consumer;
  }

  private async onBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { partition, messages } = payload.batch;
    if (messages.length === 0) {
      return;
    }
    const work = async () => {
      if (!(await this.repositioned(consumer, partition, messages[0].offset))) {
        await this.options.eachBatch(payload, consumer);
      }
    };
    await (this.options.exclusive ? this.options.exclusive(partition, work) : work());
  }

  private async repositioned(consumer: Consumer, partition: number, firstOffset: string): Promise<boolean> {
    if (!this.unpositioned.has(partition)) {
      return false;
    }
    const stored = await this.options.storedPosition(partition);
    this.unpositioned.delete(partition);
    this.options.onPositioned?.(partition, stored);
    const offset = String(stored.nextOffset);
    if (offset === firstOffset) {
      return false;
    }
    this.logger.log(`partition ${partition}: resuming at stored offset ${offset} (fetch started at ${firstOffset})`);
    consumer.seek({ topic: this.options.topic, partition, offset });
    return true;
  }
}
