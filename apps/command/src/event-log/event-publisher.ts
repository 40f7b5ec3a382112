import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConversationEvent, EncodedEvent, encodeEvent, encodeRunRecord, RunRecord } from '@threadline/contracts';
import { MetricsService } from '@threadline/observability';
import { CompressionTypes, Kafka, Producer } from '@threadline/kafka';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';
import { MAX_PRODUCE_REQUEST_BYTES, produceBatchLength } from './produce-batch';

interface Waiting {
  topic: string;
  message: EncodedEvent;
  type: string;
  /** The caller stops waiting then; an event not yet sent by then is never sent. */
  expiresAt: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class PublishTimeoutError extends Error {
  constructor(ms: number) {
    super(`Kafka did not acknowledge within ${ms} ms`);
    this.name = 'PublishTimeoutError';
  }
}

/**
 * Produces events to the conversation topic and run records to the runs topic
 * with an idempotent producer and acks=all. Concurrent publishes share produce
 * requests: while one request is in flight, new records of either topic queue and
 * go out together in the next one (group commit, bounded in count and in bytes:
 * produce-batch.ts), so throughput does not collapse to one round trip per message.
 */
@Injectable()
export class EventPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventPublisher.name);
  private producer: Producer;
  private connected = false;
  private queue: Waiting[] = [];
  private inFlight: Promise<void> | null = null;
  private readonly batchSize;
  private readonly produced;

  constructor(
    private readonly kafka: Kafka,
    @Inject(COMMAND_CONFIG) private readonly config: CommandConfig,
    metrics: MetricsService,
  ) {
    this.producer = this.newProducer();
    this.batchSize = metrics.histogram(
      'threadline_command_produce_batch_size',
      'Events per produce request',
      [],
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    );
    this.produced = metrics.counter('threadline_command_events_produced_total', 'Events acknowledged by Kafka', [
      'type',
    ]);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async onModuleInit(): Promise<void> {
    await this.ensureConnected();
  }

  /** Connects the producer unless it is; failures are logged, the next send tries again. */
  async ensureConnected(): Promise<void> {
    if (!this.connected && !this.inFlight) {
      await this.connect().catch((error: Error) => this.logger.warn(`Kafka not reachable yet: ${error.message}`));
    }
  }

  /** Resolves once Kafka has the event durably (acks=all); rejects on failure or after `timeoutMs`. */
  publish(event: ConversationEvent, timeoutMs: number): Promise<void> {
    return this.enqueue(this.config.kafka.topic, encodeEvent(event), event.type, timeoutMs);
  }

  /** The same for a record of the runs topic. */
  publishRunRecord(record: RunRecord, timeoutMs: number): Promise<void> {
    return this.enqueue(this.config.kafka.runsTopic, encodeRunRecord(record), record.type, timeoutMs);
  }

  private enqueue(topic: string, message: EncodedEvent, type: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PublishTimeoutError(timeoutMs)), Math.max(0, timeoutMs));
      this.queue.push({
        topic,
        message,
        type,
        expiresAt: performance.now() + timeoutMs,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.pump();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    while (this.inFlight || this.queue.length > 0) {
      this.pump();
      await this.inFlight;
    }
    await this.producer.disconnect().catch(() => undefined);
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) {
      return;
    }
    const now = performance.now();
    const expired = this.queue.filter((w) => w.expiresAt <= now);
    this.queue = this.queue.filter((w) => w.expiresAt > now);
    for (const w of expired) {
      w.reject(new PublishTimeoutError(0));
    }
    if (this.queue.length === 0) {
      return;
    }
    const length = produceBatchLength(
      this.queue.map((w) => w.message.value.length),
      this.config.append.maxBatch,
      MAX_PRODUCE_REQUEST_BYTES,
    );
    const batch = this.queue.splice(0, length);
    this.inFlight = this.send(batch).finally(() => {
      this.inFlight = null;
      this.pump();
    });
  }

  private async send(batch: Waiting[]): Promise<void> {
    try {
      if (!this.connected) {
        await this.connect();
      }
      await this.producer.sendBatch({
        acks: -1,
        timeout: this.config.append.ackTimeoutMs,
        compression: CompressionTypes.None,
        topicMessages: topicMessages(batch),
      });
      this.batchSize.observe(batch.length);
      for (const w of batch) {
        this.produced.inc({ type: w.type });
        w.resolve();
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      this.logger.warn(`produce of ${batch.length} events failed: ${failure.message}`);
      for (const w of batch) {
        w.reject(failure);
      }
      await this.reset();
    }
  }

  private async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /**
   * After a failed send the idempotent producer's sequence state is unknown;
   * a fresh producer (new producer id) is the safe way on.
   */
  private async reset(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect().catch(() => undefined);
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }
}

/** A batch's messages grouped by topic, each topic's in queue order. */
function topicMessages(batch: Waiting[]): { topic: string; messages: EncodedEvent[] }[] {
  const byTopic = new Map<string, EncodedEvent[]>();
  for (const w of batch) {
    const messages = byTopic.get(w.topic) ?? [];
    messages.push(w.message);
    byTopic.set(w.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
