import { CompressionTypes, Kafka } from 'kafkajs';
import { ConversationEvent, encodeEvent } from '@threadline/contracts';
import { log } from './scenario';
import { fmt } from './table';

const PRODUCE_BATCH = 1000;

/** Puts `events` on `topic` as the command would encode them (acks=all), PRODUCE_BATCH per request. */
export async function produceEvents(kafka: Kafka, topic: string, events: readonly ConversationEvent[]): Promise<void> {
  const started = performance.now();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += PRODUCE_BATCH) {
      await producer.send({
        topic,
        acks: -1,
        compression: CompressionTypes.None,
        messages: events.slice(i, i + PRODUCE_BATCH).map(encodeEvent),
      });
    }
  } finally {
    await producer.disconnect();
  }
  log(`produced ${events.length} events to ${topic} in ${fmt((performance.now() - started) / 1000)} s`);
}

/** The high-water offset of each partition of `topic`. */
export async function endOffsetsOf(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}
