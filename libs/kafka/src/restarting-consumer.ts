import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { Consumer } from 'kafkajs';
import { retryWithBackoff } from './retry-with-backoff';

/** How long a restart waits for the old consumer to leave its group before it starts the new one anyway. */
const DISCONNECT_WAIT_MS = 10_000;

export interface RestartingConsumerOptions {
  /** A new kafkajs consumer with the owner's listeners on it; called for every start. */
  create(): Consumer;
  /** Resolves once the topic exists. */
  topicReady(): Promise<void>;
  /** Subscribes the connected `consumer` and runs it. */
  run(consumer: Consumer): Promise<void>;
}

/**
 * Keeps one kafkajs consumer running for its owner: starts with back-off while
 * Kafka is unreachable, and starts a new consumer after a crash kafkajs does not
 * restart itself from (a non-retriable error; kafkajs restarts after the others).
 */
export class RestartingConsumer {
  private consumer: Consumer | null = null;
  private stopped = false;
  private starting: Promise<void> | null = null;
  private stopRequested: () => void = () => undefined;
  /** Resolves when stop() is called, so a wait for the topic does not hold up shutdown. */
  private readonly stopping = new Promise<void>((resolve) => {
    this.stopRequested = resolve;
  });

  constructor(
    private readonly options: RestartingConsumerOptions,
    private readonly logger: Logger,
  ) {}

  /** The consumer that runs now, for seeks and commits. */
  get current(): Consumer | null {
    return this.consumer;
  }

  start(): void {
    this.starting = this.run();
  }

  /**
   * Replaces the running consumer by a new one, as after a crash: the old one leaves its group (waited for at
   * most DISCONNECT_WAIT_MS: a consumer stuck in a batch is left behind, and its group evicts it), then a new
   * one starts. For an owner that finds its consumer no longer makes progress (realtime's stall watch).
   */
  async restart(): Promise<void> {
    await this.starting;
    const consumer = this.consumer;
    if (this.stopped || consumer === null) {
      return;
    }
    this.consumer = null;
    const waited = new AbortController();
    const left = await Promise.race([
      consumer.disconnect().then(
        () => true,
        () => true,
      ),
      sleep(DISCONNECT_WAIT_MS, false, { signal: waited.signal }).catch(() => false),
    ]);
    waited.abort();
    if (!left) {
      this.logger.warn(`the consumer did not disconnect within ${DISCONNECT_WAIT_MS} ms; starting a new one anyway`);
    }
    if (!this.stopped) {
      this.starting = this.run();
      await this.starting;
    }
  }

  /** Starts nothing more, waits for a start in progress, and disconnects the running consumer. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested();
    await this.starting;
    await this.consumer?.disconnect();
  }

  private async run(): Promise<void> {
    await retryWithBackoff(() => this.tryStart(), { stopped: () => this.stopped });
  }

  /** True once the consumer runs (or stop was called while waiting for the topic). */
  private async tryStart(): Promise<boolean> {
    const consumer = this.create();
    try {
      await Promise.race([this.options.topicReady(), this.stopping]);
      if (this.stopped) {
        return true;
      }
      await consumer.connect();
      this.consumer = consumer;
      await this.options.run(consumer);
      return true;
    } catch (error) {
      this.logger.warn(`consumer not started yet: ${(error as Error).message}`);
      this.consumer = null;
      await consumer.disconnect().catch(() => undefined);
      return false;
    }
  }

  private create(): Consumer {
    const consumer = this.options.create();
    consumer.on(consumer.events.CRASH, (event) => {
      this.logger.error(`consumer crashed: ${event.payload.error.message}`);
      if (!event.payload.restart && !this.stopped && this.consumer === consumer) {
        this.consumer = null;
        this.starting = this.run();
      }
    });
    return consumer;
  }
}
