import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConversationEvent, EncodedEvent, encodeEvent, encodeRunRecord, RunRecord } from '@threadline/contracts';
import { MetricsService } from '@threadline/observability';
import { CompressionTypes, Kafka, NO_KAFKAJS_SEND_RETRIES, Producer } from '@threadline/kafka';
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

/** The wait before a failed batch is sent again grows by this much per attempt, up to the maximum. */
const RETRY_BACKOFF_MS = 100;
const MAX_RETRY_BACKOFF_MS = 1000;

export class PublishTimeoutError extends Error {
  constructor(ms: number) {
    super(`Kafka did not acknowledge within ${ms} ms`);
    this.name = 'PublishTimeoutError';
  }
}

/**
 * Produces events to the conversation topic and run records to the runs topic
 * with acks=all, one request in flight. Concurrent publishes share produce
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

  /**
   * Sends the batch until one sendBatch call has all of it acknowledged, or until its events expire.
   * kafkajs's own retries are off (NO_KAFKAJS_SEND_RETRIES: they can resolve a send without the records
   * of a partition whose leader moved, and an event would be acknowledged that Kafka never had). So each
   * attempt is one request per leader, on a fresh producer after a failure, and counts only if every
   * request of it was acknowledged. A partition written before the failure is written again: a duplicate
   * of the same seq, which every consumer drops (first wins).
   */
  private async send(batch: Waiting[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (!this.connected) {
          await this.connect();
        }
        await this.producer.sendBatch({
          acks: -1,
          timeout: this.config.append.ackTimeoutMs,
          compression: CompressionTypes.None,
          topicMessages: topicMessages(pending),
        });
        this.batchSize.observe(pending.length);
        for (const w of pending) {
          this.produced.inc({ type: w.type });
          w.resolve();
        }
        return;
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.logger.warn(`produce of ${pending.length} events failed (attempt ${attempt}): ${failure.message}`);
        await this.reset();
        const backoffMs = Math.min(RETRY_BACKOFF_MS * attempt, MAX_RETRY_BACKOFF_MS);
        const retryAt = performance.now() + backoffMs;
        for (const w of pending.filter((w) => w.expiresAt <= retryAt)) {
          w.reject(failure);
        }
        pending = pending.filter((w) => w.expiresAt > retryAt);
        if (pending.length === 0) {
          return;
        }
        await sleep(backoffMs);
      }
    }
  }

  private async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  /** After a failed send the next attempt starts on a fresh producer (its own connections and metadata). */
  private async reset(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect().catch(() => undefined);
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      // send() retries whole batches, so there is nothing for kafkajs's idempotence to deduplicate
      // (and it refuses to run without retries of its own).
      idempotent: false,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: NO_KAFKAJS_SEND_RETRIES,
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
