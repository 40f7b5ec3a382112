import { z } from 'zod';
import { envInt, envUrl, logLevelEnv } from './env-types';

const hostPort = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;
const topicName = /^[A-Za-z0-9._-]{1,249}$/;

/** Environment variables shared by every service that talks to Kafka. */
export const kafkaEnv = {
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .refine((s) => s.split(',').every((b) => hostPort.test(b.trim())), {
      message: 'expected host:port[,host:port...]',
    })
    .transform((s) => s.split(',').map((b) => b.trim())),
  KAFKA_TOPIC: z
    .string()
    .default('threadline.conversations.v1')
    .refine((s) => topicName.test(s), { message: 'expected a Kafka topic name ([A-Za-z0-9._-]{1,249})' }),
  KAFKA_TOPIC_PARTITIONS: envInt(12, 1, 10_000),
  KAFKA_TOPIC_REPLICATION_FACTOR: envInt(1, 1, 10),
  /** The runs topic (docs/events.md): the same partitions and replication as the conversation topic. */
  KAFKA_RUNS_TOPIC: z
    .string()
    .default('threadline.runs.v1')
    .refine((s) => topicName.test(s), { message: 'expected a Kafka topic name ([A-Za-z0-9._-]{1,249})' }),
  /** How long Kafka keeps run records (default 7 days); Postgres keeps a finished run's events on its own clock. */
  KAFKA_RUNS_RETENTION_MS: envInt(604_800_000, 60_000, 31_536_000_000),
};

/** The two topics must differ: a consumer of one would read the other's records as poison. */
export function checkKafkaTopicsEnv(
  env: { KAFKA_TOPIC: string; KAFKA_RUNS_TOPIC: string },
  ctx: z.RefinementCtx,
): void {
  if (env.KAFKA_RUNS_TOPIC === env.KAFKA_TOPIC) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_RUNS_TOPIC'], message: 'must differ from KAFKA_TOPIC' });
  }
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  topic: string;
  /** The runs topic: run records keyed like the conversation topic, kept for `runsRetentionMs`. */
  runsTopic: string;
  runsRetentionMs: number;
  partitions: number;
  replicationFactor: number;
  /** Client-side timeout of one Kafka request. */
  requestTimeoutMs: number;
}

export function kafkaConfig(
  env: {
    KAFKA_BROKERS: string[];
    KAFKA_TOPIC: string;
    KAFKA_TOPIC_PARTITIONS: number;
    KAFKA_TOPIC_REPLICATION_FACTOR: number;
    KAFKA_RUNS_TOPIC: string;
    KAFKA_RUNS_RETENTION_MS: number;
  },
  clientId: string,
): KafkaConfig {
  return {
    brokers: env.KAFKA_BROKERS,
    clientId,
    topic: env.KAFKA_TOPIC,
    runsTopic: env.KAFKA_RUNS_TOPIC,
    runsRetentionMs: env.KAFKA_RUNS_RETENTION_MS,
    partitions: env.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: env.KAFKA_TOPIC_REPLICATION_FACTOR,
    requestTimeoutMs: 10_000,
  };
}

/** Environment variables of every service that reads or writes Postgres. */
export const postgresEnv = {
  DATABASE_URL: envUrl('postgres://postgres@127.0.0.1:5432/threadline', ['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: envInt(10, 1, 200),
};

export interface PostgresConfig {
  url: string;
  poolSize: number;
  /**
   * pg's pipeline mode on every connection of the pool: queries issued without waiting for the
   * one before go out together (one round trip). Sequential use behaves as without it.
   */
  pipeline?: boolean;
}

export function postgresConfig(env: { DATABASE_URL: string; DATABASE_POOL_SIZE: number }): PostgresConfig {
  return { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE };
}

/** Environment variables every service has. */
export const commonEnv = {
  LOG_LEVEL: logLevelEnv,
  SHUTDOWN_GRACE_MS: envInt(10_000, 0, 600_000),
};

/**
 * The projector's consumer group. It is also the consumer name under which the
 * projector stores its offsets in Postgres, which the command service reads to
 * know how far the projection has got, and where the realtime fan-out starts a
 * partition (the index fence that holds there is stored with it).
 */
export const projectorGroupEnv = {
  PROJECTOR_GROUP_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected 1-128 characters of [A-Za-z0-9._-]')
    .default('threadline-projector'),
};
