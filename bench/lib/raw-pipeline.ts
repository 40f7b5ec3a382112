import { CompressionTypes, Kafka, Producer } from 'kafkajs';
import { encodeEvent } from '@threadline/contracts';
import { chatEvent } from './payload';

/** The raw floor's producer: idempotent, one request in flight, like the command's. */
export function rawProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
}

/**
 * Sends probe N as a bare `message.appended` event: the next seq of conversation
 * `ids[N % ids.length]`, acks=all, told when it goes out and when Kafka acknowledged it.
 */
export function rawProbeSender(
  producer: Producer,
  topic: string,
  ids: readonly string[],
  ackTimeoutMs: number,
  marks: { sent: (probe: number) => void; acked: (probe: number) => void },
): (probe: number) => Promise<void> {
  const seqs = new Map<string, number>();
  return async (probe) => {
    const id = ids[probe % ids.length];
    const seq = (seqs.get(id) ?? 0) + 1;
    seqs.set(id, seq);
    const messages = [encodeEvent(chatEvent(id, seq, { probe }))];
    marks.sent(probe);
    await producer.send({ topic, acks: -1, timeout: ackTimeoutMs, compression: CompressionTypes.None, messages });
    marks.acked(probe);
  };
}

/** Deletes a raw consumer's group once the run is over; a failure only leaves an idle group behind. */
export async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin
    .connect()
    .then(() => admin.deleteGroups([groupId]))
    .catch(() => undefined)
    .finally(() => admin.disconnect());
}
