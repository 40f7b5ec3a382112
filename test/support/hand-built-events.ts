import { Kafka, logLevel } from 'kafkajs';
import { createClient } from 'redis';
import { ConversationEvent } from '@threadline/contracts';
import { kafkaMessage } from './event-builder';
import { TEST_KAFKA_BROKERS, TEST_REDIS_URL } from './test-env';

/**
 * Produces events (acks=all) to the test's topic, keyed by conversation like the command does: standing in for
 * a command instance whose produce landed at a moment the test chooses (out of seq order, or never).
 */
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
      await producer.send({ topic, acks: -1, messages: [kafkaMessage(event)] });
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
