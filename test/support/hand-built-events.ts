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

/**
 * Drops every key of this run's index at once, as FLUSHALL does, without touching other users of the server.
 * One script, so no append runs between two deletions: a SCAN-and-DEL loop loses the keys a batch at a time,
 * which is eviction (docs/consistency.md asks for noeviction), not the loss the callers are about.
 */
export async function flushIndex(prefix: string): Promise<number> {
  const redis = createClient({ url: TEST_REDIS_URL });
  await redis.connect();
  try {
    return Number(await redis.eval(DELETE_MATCHING, { arguments: [`${prefix}:*`] }));
  } finally {
    await redis.quit();
  }
}

const DELETE_MATCHING = `
local keys = redis.call('KEYS', ARGV[1])
for i = 1, #keys, 1000 do
  redis.call('DEL', unpack(keys, i, math.min(i + 999, #keys)))
end
return #keys`;
