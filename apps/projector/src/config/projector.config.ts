import { z } from 'zod';
import {
  authConfig,
  authEnv,
  checkAuthEnv,
  commonEnv,
  envInt,
  envPort,
  kafkaConfig,
  kafkaEnv,
  checkKafkaTopicsEnv,
  postgresConfig,
  postgresEnv,
  projectorGroupEnv,
} from '@threadline/config';

export const projectorConfigSchema = z
  .object({
    ...commonEnv,
    ...authEnv,
    ...kafkaEnv,
    ...postgresEnv,
    ...projectorGroupEnv,
    PROJECTOR_HOST: z.string().min(1).default('127.0.0.1'),
    PROJECTOR_PORT: envPort(4002),
    /** Events written per Postgres transaction; a fetched batch is split into chunks of at most this many. */
    PROJECTOR_MAX_BATCH: envInt(2000, 1, 100_000),
    /** Partitions projected at the same time, each in its own transaction (and pooled connection). */
    PROJECTOR_PARTITIONS_CONCURRENTLY: envInt(4, 1, 256),
    /** A partition with lag and no progress for this long is reported stalled: the projector turns unready. */
    PROJECTOR_STALL_AFTER_MS: envInt(60_000, 1000, 3_600_000),
    /** A finished run's events are deleted this long after it finished (the run row stays). */
    RUN_EVENTS_RETENTION_MS: envInt(7 * 24 * 3_600_000, 0, 10 * 365 * 24 * 3_600_000),
    /** How often the projector looks for finished runs whose events are due for deletion. */
    RUN_EVENTS_RETENTION_INTERVAL_MS: envInt(60_000, 100, 24 * 3_600_000),
  })
  .refine((env) => env.PROJECTOR_PARTITIONS_CONCURRENTLY < env.DATABASE_POOL_SIZE, {
    path: ['PROJECTOR_PARTITIONS_CONCURRENTLY'],
    message: 'must be below DATABASE_POOL_SIZE (readiness and lag checks need a connection too)',
  })
  .superRefine(checkAuthEnv('PROJECTOR_HOST'))
  .superRefine(checkKafkaTopicsEnv)
  .transform((env) => ({
    service: 'projector' as const,
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    auth: authConfig(env),
    http: { host: env.PROJECTOR_HOST, port: env.PROJECTOR_PORT },
    kafka: kafkaConfig(env, 'threadline-projector'),
    postgres: { ...postgresConfig(env), pipeline: true },
    projection: {
      groupId: env.PROJECTOR_GROUP_ID,
      maxBatch: env.PROJECTOR_MAX_BATCH,
      partitionsConcurrently: env.PROJECTOR_PARTITIONS_CONCURRENTLY,
      stallAfterMs: env.PROJECTOR_STALL_AFTER_MS,
    },
    runEventsRetention: {
      retentionMs: env.RUN_EVENTS_RETENTION_MS,
      intervalMs: env.RUN_EVENTS_RETENTION_INTERVAL_MS,
    },
  }));

export type ProjectorConfig = z.output<typeof projectorConfigSchema>;

export const PROJECTOR_CONFIG = Symbol('PROJECTOR_CONFIG');
