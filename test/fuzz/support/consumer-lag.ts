import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { eventually, ServiceProcess } from '../../support/service-process';
import { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } from '../../support/test-env';

interface Readiness {
  checks?: { kafka?: { detail?: { lag?: Record<string, number> } } };
}

/** The per-partition lag a projector or archiver shows in its readiness detail (`checks.kafka.detail.lag`). */
async function readinessLag(service: ServiceProcess): Promise<Record<string, number>> {
  const res = await fetch(`${service.baseUrl}/health/ready`);
  const body = (await res.json()) as Readiness;
  return body.checks?.kafka?.detail?.lag ?? {};
}

export interface ConsumerUnderTest {
  service: ServiceProcess;
  /** Its consumer group: the name its offsets are stored under in Postgres (`consumer_offsets`). */
  group: string;
  topic: string;
  /** Partitions its readiness detail must show (the projector refreshes all of the topic's every few seconds). */
  partitions: number;
}

/**
 * Waits until the consumer has stored, in Postgres, the end offset of every
 * partition of the topic (nothing stalled or skipped-but-unrecorded), and its
 * readiness detail shows lag 0 on `partitions` partitions; fails with both when
 * it does not. The stored offsets are the ground truth: the readiness lag is
 * refreshed only every few seconds, so a 0 alone may predate a stall.
 */
export async function lagDrained(consumer: ConsumerUnderTest, timeoutMs = 30_000): Promise<void> {
  const kafka = new Kafka({ clientId: 'fuzz-lag', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const db = new Client({ connectionString: TEST_DATABASE_URL });
  await Promise.all([admin.connect(), db.connect()]);
  let last = {};
  try {
    await eventually(
      `${consumer.service.name} to reach the end of every partition with lag 0`,
      async () => {
        const ends = await admin.fetchTopicOffsets(consumer.topic);
        const { rows } = await db.query<{ partition: number; next_offset: string }>(
          'SELECT partition, next_offset FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
          [consumer.group, consumer.topic],
        );
        const stored = new Map(rows.map((r) => [r.partition, Number(r.next_offset)]));
        const behind = ends
          .map((e) => ({ partition: e.partition, end: Number(e.high), stored: stored.get(e.partition) ?? 0 }))
          .filter((p) => p.end > 0 && p.stored < p.end);
        const lag = await readinessLag(consumer.service);
        last = { behind, readinessLag: lag };
        const lags = Object.values(lag);
        return behind.length === 0 && lags.length >= consumer.partitions && lags.every((l) => l === 0);
      },
      timeoutMs,
      250,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last)}`);
  } finally {
    await Promise.all([admin.disconnect(), db.end()]);
  }
}
