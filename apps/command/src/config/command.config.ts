import { z } from 'zod';
import {
  archiveStoreConfig,
  archiveStoreEnv,
  checkArchiveStoreEnv,
  commonEnv,
  envInt,
  envPort,
  envUrl,
  kafkaConfig,
  kafkaEnv,
  postgresConfig,
  postgresEnv,
  projectorGroupEnv,
} from '@threadline/config';

/**
 * The latest an event can reach Kafka after its seq was reserved: it waits at
 * most the ack timeout to be sent (then it is dropped), and one produce attempt
 * is three tries, each bounded by the connect timeout (3 s) and the request
 * timeout (the ack timeout), plus back-off. Holes are only explained (tombstoned)
 * after this, so a tombstone never overtakes an attempt still running.
 */
export function worstCaseProduceMs(ackTimeoutMs: number): number {
  return ackTimeoutMs + 3 * (3000 + ackTimeoutMs) + 2000;
}

/**
 * The smallest HOLE_GRACE_MS the command accepts for an APPEND_ACK_TIMEOUT_MS:
 * a hole is tombstoned only once no produce attempt for its seq can still land.
 */
export function minimumHoleGraceMs(ackTimeoutMs: number): number {
  return worstCaseProduceMs(ackTimeoutMs);
}

export const commandConfigSchema = z
  .object({
    ...commonEnv,
    ...kafkaEnv,
    ...postgresEnv,
    ...archiveStoreEnv,
    ...projectorGroupEnv,
    COMMAND_HOST: z.string().min(1).default('127.0.0.1'),
    COMMAND_PORT: envPort(4000),
    REDIS_URL: envUrl('redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:._-]{1,64}$/, 'expected 1-64 characters of [A-Za-z0-9:._-]')
      .default('tl'),
    APPEND_ACK_TIMEOUT_MS: envInt(5000, 100, 60_000),
    APPEND_MAX_BATCH: envInt(500, 1, 10_000),
    LIMIT_MESSAGE_BYTES: envInt(256 * 1024, 1024, 16 * 1024 * 1024),
    LIMIT_PARTS: envInt(256, 1, 10_000),
    LIMIT_METADATA_BYTES: envInt(16 * 1024, 128, 1024 * 1024),
    HOLE_GRACE_MS: envInt(60_000, 1000, 3_600_000),
    REAPER_INTERVAL_MS: envInt(1000, 50, 60_000),
    READ_WAIT_MS: envInt(2000, 0, 30_000),
    READ_MAX_LIMIT: envInt(1000, 1, 10_000),
  })
  .refine((env) => env.HOLE_GRACE_MS >= minimumHoleGraceMs(env.APPEND_ACK_TIMEOUT_MS), {
    path: ['HOLE_GRACE_MS'],
    message: 'must be at least 4 x APPEND_ACK_TIMEOUT_MS + 11000 (the latest a produce attempt can land)',
  })
  .superRefine(checkArchiveStoreEnv)
  .transform((env) => ({
    service: 'command' as const,
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    http: { host: env.COMMAND_HOST, port: env.COMMAND_PORT },
    kafka: { ...kafkaConfig(env, 'threadline-command'), requestTimeoutMs: env.APPEND_ACK_TIMEOUT_MS },
    projectorGroupId: env.PROJECTOR_GROUP_ID,
    postgres: postgresConfig(env),
    archive: archiveStoreConfig(env),
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    append: {
      ackTimeoutMs: env.APPEND_ACK_TIMEOUT_MS,
      maxBatch: env.APPEND_MAX_BATCH,
    },
    holes: { graceMs: env.HOLE_GRACE_MS, reaperIntervalMs: env.REAPER_INTERVAL_MS },
    limits: {
      messageBytes: env.LIMIT_MESSAGE_BYTES,
      parts: env.LIMIT_PARTS,
      metadataBytes: env.LIMIT_METADATA_BYTES,
    },
    reads: { waitMs: env.READ_WAIT_MS, maxLimit: env.READ_MAX_LIMIT },
  }));

export type CommandConfig = z.output<typeof commandConfigSchema>;

export const COMMAND_CONFIG = Symbol('COMMAND_CONFIG');
