import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createClient } from 'redis';
import { ConversationEvent, encodeEvent, EVENT_SCHEMA_VERSION, MessageAppendedEvent } from '@threadline/contracts';
import { TEST_KAFKA_BROKERS, TEST_REDIS_URL } from './test-env';

/**
 * Events written to a test's topic by hand, standing in for a command instance
 * whose produce landed at a moment the test chooses (out of seq order, or never).
 */
export function appendedEvent(
  conversationId: string,
  seq: number,
  text: string,
  epoch: number | null,
  producer: { id: string; seq: number } | null = null,
): MessageAppendedEvent {
  return {
    schema_version: EVENT_SCHEMA_VERSION,
    event_id: randomUUID(),
    conversation_id: conversationId,
    occurred_at: new Date().toISOString(),
    ...(epoch === null ? {} : { index_epoch: epoch }),
    type: 'message.appended',
    seq,
    data: {
      version: seq,
      message: { role: 'user', parts: [{ type: 'text', text }], metadata: {}, token_count: 1 },
      producer_id: producer?.id ?? null,
      producer_seq: producer?.seq ?? null,
    },
  };
}

/** Produces events (acks=all) to the topic, keyed by conversation like the command does. */
export async function produceEvents(topic: string, ...events: ConversationEvent[]): Promise<void> {
  const kafka = new Kafka({
    clientId: 'hand-built',
    brokers: TEST_KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (const event of events) {
      await producer.send({ topic, acks: -1, messages: [encodeEvent(event)] });
    }
  } finally {
    await producer.disconnect();
  }
}

/** The trusted head-index epoch the command stamps on its events (`{prefix}:index-epoch`), null if none. */
export async function indexEpoch(prefix: string): Promise<number | null> {
  const redis = createClient({ url: TEST_REDIS_URL });
  await redis.connect();
  try {
    const value = await redis.get(`${prefix}:index-epoch`);
    return value === null ? null : Number(value);
  } finally {
    await redis.quit();
  }
}

/** Drops every key of this run's index, as FLUSHALL would, without touching other users of the server. */
export async function flushIndex(prefix: string): Promise<number> {
  const redis = createClient({ url: TEST_REDIS_URL });
  await redis.connect();
  let deleted = 0;
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      if (keys.length > 0) deleted += await redis.del(keys);
    }
  } finally {
    await redis.quit();
  }
  return deleted;
}
