import { z } from 'zod';
import {
  authConfig,
  authEnv,
  checkAuthEnv,
  archiveStoreConfig,
  archiveStoreEnv,
  checkArchiveStoreEnv,
  commonEnv,
  envBool,
  envInt,
  envPort,
  kafkaConfig,
  kafkaEnv,
  checkKafkaTopicsEnv,
  postgresConfig,
  postgresEnv,
} from '@threadline/config';

const MIB = 1024 * 1024;

export const archiverConfigSchema = z
  .object({
    ...commonEnv,
    ...authEnv,
    ...kafkaEnv,
    ...postgresEnv,
    ...archiveStoreEnv,
    ARCHIVER_HOST: z.string().min(1).default('127.0.0.1'),
    ARCHIVER_PORT: envPort(4003),
    /** The archiver's consumer group, and the consumer name of its offsets in Postgres. */
    ARCHIVER_GROUP_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected 1-128 characters of [A-Za-z0-9._-]')
      .default('threadline-archiver'),
    /** Partitions handled at the same time (each flush takes one pooled connection). */
    ARCHIVER_PARTITIONS_CONCURRENTLY: envInt(4, 1, 256),
    /** A partition's open segment closes once its uncompressed NDJSON reaches this size. */
    ARCHIVE_SEGMENT_MAX_BYTES: envInt(8 * MIB, 1024, 1024 * MIB),
    /** ... or once its first event has waited this long, so a quiet partition is archived too. */
    ARCHIVE_SEGMENT_MAX_AGE_MS: envInt(5000, 10, 3_600_000),
    /**
     * Trims archived rows from Postgres; reads and realtime catch-up reach them
     * through the archive (MessageLogReader), so nothing disappears from a client's view.
     */
    ARCHIVE_RETENTION_ENABLED: envBool(true),
    /** Retention keeps at least the newest K seqs of every conversation in Postgres. */
    ARCHIVE_RETAIN_MESSAGES: envInt(1000, 0, 100_000_000),
    ARCHIVE_RETENTION_INTERVAL_MS: envInt(60_000, 100, 86_400_000),
    /** Deletes objects of this topic's segments that no index row names, and leftover temporary files. */
    ARCHIVE_ORPHAN_SWEEP_ENABLED: envBool(true),
    ARCHIVE_ORPHAN_SWEEP_INTERVAL_MS: envInt(3_600_000, 100, 7 * 86_400_000),
    /** Only objects at least this old are swept: far above the time between a put and its index commit. */
    ARCHIVE_ORPHAN_GRACE_MS: envInt(3_600_000, 1000, 30 * 86_400_000),
  })
  .refine((env) => env.ARCHIVER_PARTITIONS_CONCURRENTLY < env.DATABASE_POOL_SIZE, {
    path: ['ARCHIVER_PARTITIONS_CONCURRENTLY'],
    message: 'must be below DATABASE_POOL_SIZE (readiness and retention need a connection too)',
  })
  .superRefine(checkArchiveStoreEnv)
  .superRefine(checkAuthEnv('ARCHIVER_HOST'))
  .superRefine(checkKafkaTopicsEnv)
  .transform((env) => ({
    service: 'archiver' as const,
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    auth: authConfig(env),
    http: { host: env.ARCHIVER_HOST, port: env.ARCHIVER_PORT },
    kafka: kafkaConfig(env, 'threadline-archiver'),
    postgres: postgresConfig(env),
    consumer: { groupId: env.ARCHIVER_GROUP_ID, partitionsConcurrently: env.ARCHIVER_PARTITIONS_CONCURRENTLY },
    archive: archiveStoreConfig(env),
    segments: { maxBytes: env.ARCHIVE_SEGMENT_MAX_BYTES, maxAgeMs: env.ARCHIVE_SEGMENT_MAX_AGE_MS },
    retention: {
      enabled: env.ARCHIVE_RETENTION_ENABLED,
      retainMessages: env.ARCHIVE_RETAIN_MESSAGES,
      intervalMs: env.ARCHIVE_RETENTION_INTERVAL_MS,
    },
    orphans: {
      enabled: env.ARCHIVE_ORPHAN_SWEEP_ENABLED,
      intervalMs: env.ARCHIVE_ORPHAN_SWEEP_INTERVAL_MS,
      graceMs: env.ARCHIVE_ORPHAN_GRACE_MS,
    },
  }));

export type ArchiverConfig = z.output<typeof archiverConfigSchema>;

export const ARCHIVER_CONFIG = Symbol('ARCHIVER_CONFIG');
