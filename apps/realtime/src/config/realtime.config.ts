import { z } from 'zod';
import {
  authConfig,
  authEnv,
  checkAuthEnv,
  archiveStoreConfig,
  archiveStoreEnv,
  checkArchiveStoreEnv,
  commonEnv,
  corsEnv,
  envInt,
  envPort,
  kafkaConfig,
  kafkaEnv,
  checkKafkaTopicsEnv,
  postgresConfig,
  postgresEnv,
  projectorGroupEnv,
} from '@threadline/config';

export const realtimeConfigSchema = z
  .object({
    ...commonEnv,
    ...corsEnv,
    ...authEnv,
    ...kafkaEnv,
    ...postgresEnv,
    ...archiveStoreEnv,
    ...projectorGroupEnv,
    REALTIME_HOST: z.string().min(1).default('127.0.0.1'),
    REALTIME_PORT: envPort(4001),
    /** Each instance consumes the whole topic under its own throwaway group `${prefix}-${uuid}`. */
    REALTIME_GROUP_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 characters of [A-Za-z0-9._-]')
      .default('threadline-realtime'),
    /**
     * How long a stream waits for a missing seq before asking Postgres and then reporting a gap. Above the
     * command's APPEND_ACK_TIMEOUT_MS (5 s by default): an acknowledged seq can reach the topic that long
     * after a later one, and must not be gapped; the 3 s beyond it ride out a fan-out fetch stall.
     */
    REORDER_TIMEOUT_MS: envInt(8000, 10, 60_000),
    /** Events a stream holds ahead of a missing seq; beyond it the highest are dropped (re-read from Postgres later). */
    REORDER_BUFFER_MAX: envInt(10_000, 10, 1_000_000),
    /** Bytes a client may leave unread before it is closed as a slow consumer (4408). */
    CLIENT_BUFFER_BYTES: envInt(1024 * 1024, 1024, 256 * 1024 * 1024),
    HEARTBEAT_INTERVAL_MS: envInt(30_000, 100, 600_000),
    /** Conversations one Phoenix socket may join at once. */
    REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION: envInt(100, 1, 100_000),
    /** Open streams (sockets and SSE responses) one tenant may hold on one instance. */
    REALTIME_MAX_CONNECTIONS_PER_TENANT: envInt(10_000, 1, 10_000_000),
    /**
     * A live consumer (the fan-out, the runs consumer) with records past its position in a partition and no
     * progress there for this long is started again. Above a group rejoin after a broker restart (~10-15 s).
     */
    REALTIME_STALL_AFTER_MS: envInt(30_000, 5000, 3_600_000),
    /** Rows per Postgres read during catch-up. */
    CATCHUP_PAGE: envInt(500, 1, 10_000),
  })
  .refine((env) => env.REORDER_BUFFER_MAX >= 2 * env.CATCHUP_PAGE, {
    path: ['REORDER_BUFFER_MAX'],
    message: 'must be at least 2 x CATCHUP_PAGE',
  })
  .superRefine(checkArchiveStoreEnv)
  .superRefine(checkAuthEnv('REALTIME_HOST'))
  .superRefine(checkKafkaTopicsEnv)
  .transform((env) => ({
    service: 'realtime' as const,
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    auth: authConfig(env),
    http: { host: env.REALTIME_HOST, port: env.REALTIME_PORT, corsOrigins: env.CORS_ORIGINS },
    kafka: kafkaConfig(env, 'threadline-realtime'),
    groupPrefix: env.REALTIME_GROUP_PREFIX,
    stallAfterMs: env.REALTIME_STALL_AFTER_MS,
    /** Whose stored position (next offset, index fence) the fan-out starts a partition from. */
    projectorGroupId: env.PROJECTOR_GROUP_ID,
    postgres: postgresConfig(env),
    archive: archiveStoreConfig(env),
    stream: {
      reorderTimeoutMs: env.REORDER_TIMEOUT_MS,
      reorderBufferMax: env.REORDER_BUFFER_MAX,
      catchUpPage: env.CATCHUP_PAGE,
    },
    clients: {
      bufferBytes: env.CLIENT_BUFFER_BYTES,
      heartbeatIntervalMs: env.HEARTBEAT_INTERVAL_MS,
      maxSubscriptionsPerConnection: env.REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxConnectionsPerTenant: env.REALTIME_MAX_CONNECTIONS_PER_TENANT,
    },
  }));

export type RealtimeConfig = z.output<typeof realtimeConfigSchema>;

export const REALTIME_CONFIG = Symbol('REALTIME_CONFIG');
