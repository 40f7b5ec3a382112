import { randomBytes } from 'node:crypto';

/** The real servers the tests use (started by scripts/stack up). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/threadline_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_KAFKA_BROKERS = process.env.TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';

/** 20000..32000: below the kernel's ephemeral range (32768+), where outgoing connections could take a port first. */
let nextPort = 20000 + (process.pid % 1200) * 10;

/** A free-ish port per service started by one test file. */
export function allocatePort(): number {
  nextPort += 1;
  return nextPort;
}

/**
 * Each test file gets its own topic, consumer groups and Redis key prefix, so
 * files never see each other's events even though they share the servers.
 */
export function isolatedEnv(label: string, partitions = 4): Record<string, string> {
  const run = `${label}-${randomBytes(4).toString('hex')}`;
  return {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    KAFKA_TOPIC: `test.${run}`,
    KAFKA_TOPIC_PARTITIONS: String(partitions),
    KAFKA_RUNS_TOPIC: `test.runs.${run}`,
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: `test:${run}`,
    PROJECTOR_GROUP_ID: `projector-${run}`,
    REALTIME_GROUP_PREFIX: `realtime-${run}`,
    ARCHIVER_GROUP_ID: `archiver-${run}`,
    DISPATCHER_GROUP_ID: `dispatcher-${run}`,
    AGENT_SECRETS_KEY: randomBytes(32).toString('base64'),
    AUTH_MODE: 'none',
  };
}
