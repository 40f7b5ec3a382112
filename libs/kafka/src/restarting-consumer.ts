import { Logger } from '@nestjs/common';
import { Consumer } from 'kafkajs';
import { retryWithBackoff } from './retry-with-backoff';

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
