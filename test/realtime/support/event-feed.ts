import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import {
  ConversationEvent,
  encodeEvent,
  EVENT_SCHEMA_VERSION,
  EventType,
  MessageTombstonedEvent,
} from '@threadline/contracts';
import { TEST_KAFKA_BROKERS } from '../../support/test-env';

function envelope(conversationId: string) {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    tenant_id: 'default',
    event_id: randomUUID(),
    conversation_id: conversationId,
    occurred_at: new Date().toISOString(),
  } as const;
}

export function appendedEvent(conversationId: string, seq: number, text = `message ${seq}`): ConversationEvent {
  return {
    ...envelope(conversationId),
    type: EventType.MessageAppended,
    seq,
    data: {
      version: seq,
      message: { role: 'user', parts: [{ type: 'text', text }], metadata: { n: seq }, token_count: 1 },
      producer_id: null,
      producer_seq: null,
      actor: null,
    },
  };
}

export function tombstonedEvent(
  conversationId: string,
  seq: number,
  reason: MessageTombstonedEvent['data']['reason'] = 'abandoned',
): ConversationEvent {
  return { ...envelope(conversationId), type: EventType.MessageTombstoned, seq, data: { reason } };
}

export function deletedEvent(conversationId: string, lastSeq: number): ConversationEvent {
  return { ...envelope(conversationId), type: EventType.ConversationDeleted, data: { last_seq: lastSeq } };
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
      messages: events.map((event) => {
        const encoded = encodeEvent(event);
        return { key: encoded.key, value: encoded.value, headers: encoded.headers };
      }),
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
