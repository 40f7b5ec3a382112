import { randomUUID } from 'node:crypto';
import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { applyFence, ConversationEvent, decodeRecord } from '@threadline/contracts';
import { TEST_KAFKA_BROKERS } from './test-env';

export interface TopicRecord {
  partition: number;
  offset: number;
  event: ConversationEvent;
}

/** One record of a topic as Kafka holds it. */
export interface RawTopicRecord {
  partition: number;
  offset: number;
  message: KafkaMessage;
}

/** Reads a whole topic from the beginning up to its current end, in partition order, undecoded. */
export async function readRawTopic(topic: string, brokers = TEST_KAFKA_BROKERS): Promise<RawTopicRecord[]> {
  const kafka = new Kafka({
    clientId: 'test-reader',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  await admin.disconnect();
  const pending = new Set([...ends].filter(([, end]) => end > 0).map(([p]) => p));
  const records: RawTopicRecord[] = [];
  if (pending.size === 0) {
    return records;
  }
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 60_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        records.push({ partition, offset, message });
        if (offset + 1 >= (ends.get(partition) ?? 0)) {
          pending.delete(partition);
          if (pending.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        }
      },
    });
  });
  await consumer.disconnect();
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/**
 * Reads a whole topic from the beginning up to its current end, in partition order,
 * as every consumer reads it: after the poison and fence rules (docs/events.md), so
 * fence records and events of a fenced-off index epoch are not in the result.
 */
export async function readTopic(topic: string, brokers = TEST_KAFKA_BROKERS): Promise<TopicRecord[]> {
  const records: TopicRecord[] = [];
  const fences = new Map<number, number>();
  for (const { partition, offset, message } of await readRawTopic(topic, brokers)) {
    const applied = applyFence(fences.get(partition) ?? 0, decodeRecord(message));
    fences.set(partition, applied.fence);
    if (applied.event) {
      records.push({ partition, offset, event: applied.event });
    }
  }
  return records;
}

/** What every consumer derives from the topic: per conversation, the first event for each seq wins. */
export function firstWinsBySeq(records: TopicRecord[], conversationId: string): Map<number, ConversationEvent> {
  const bySeq = new Map<number, ConversationEvent>();
  for (const { event } of records) {
    if (event.conversation_id !== conversationId) continue;
    if (event.type === 'message.appended' || event.type === 'message.tombstoned') {
      if (!bySeq.has(event.seq)) bySeq.set(event.seq, event);
    }
  }
  return bySeq;
}
