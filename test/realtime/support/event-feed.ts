import { Kafka, logLevel, Producer } from 'kafkajs';
import { ConversationEvent, MessageTombstonedEvent } from '@threadline/contracts';
import * as build from '../../support/event-builder';
import { kafkaMessage } from '../../support/event-builder';
import { TEST_KAFKA_BROKERS } from '../../support/test-env';

/** A message event whose metadata names its seq (`{ n: seq }`), so a stream's frames can be told apart. */
export function appendedEvent(conversationId: string, seq: number, text = `message ${seq}`): ConversationEvent {
  const message = { role: 'user', parts: [{ type: 'text', text }], metadata: { n: seq }, token_count: 1 };
  return build.appendedEvent(conversationId, seq, message, null);
}

export function tombstonedEvent(
  conversationId: string,
  seq: number,
  reason: MessageTombstonedEvent['data']['reason'] = 'abandoned',
): ConversationEvent {
  return build.tombstonedEvent(conversationId, seq, null, undefined, reason);
}

export function deletedEvent(conversationId: string, lastSeq: number): ConversationEvent {
  return build.deletedEvent(conversationId, lastSeq);
}

/** Produces events straight to the test's topic, as the command service would (keyed by conversation). */
export class EventFeed {
  private readonly producer: Producer;

  constructor(private readonly topic: string) {
    const kafka = new Kafka({
      clientId: 'realtime-test-feed',
      brokers: TEST_KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    });
    this.producer = kafka.producer({ allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  /** Sends the events in this order (one conversation's events share a partition, so they stay in order). */
  async send(...events: ConversationEvent[]): Promise<void> {
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: events.map((event) => kafkaMessage(event)),
    });
  }

  async appendRange(conversationId: string, from: number, to: number): Promise<void> {
    const events: ConversationEvent[] = [];
    for (let seq = from; seq <= to; seq += 1) {
      events.push(appendedEvent(conversationId, seq));
    }
    await this.send(...events);
  }
}
