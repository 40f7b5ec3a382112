import { z } from 'zod';
import {
  agentSecretsEnv,
  authConfig,
  authEnv,
  checkAuthEnv,
  archiveStoreConfig,
  archiveStoreEnv,
  checkArchiveStoreEnv,
  commonEnv,
  corsEnv,
  envInt,
  envJson,
  envPort,
  envUrl,
  kafkaConfig,
  kafkaEnv,
  checkKafkaTopicsEnv,
  postgresConfig,
  postgresEnv,
  projectorGroupEnv,
} from '@threadline/config';
import { overviewMetricsUrls } from '../overview/overview-metrics-urls';
import { TenantLimitTable, tenantOverridesSchema } from '../tenant-limits/tenant-limits';

/**
 * The shortest safe hole grace period. An append is acknowledged only if Kafka
 * acknowledged it within APPEND_ACK_TIMEOUT_MS of its reservation, so a tombstone
 * produced after twice that (margin for the two clocks measuring it) can never
 * overtake an acknowledged event. Later attempts need no bound: the tombstone
 * wins for every consumer alike, and attempts from before an index rebuild are
 * fenced off (docs/consistency.md).
 */
export function minimumHoleGraceMs(ackTimeoutMs: number): number {
  return 2 * ackTimeoutMs;
}

export const commandConfigSchema = z
  .object({
    ...commonEnv,
    ...corsEnv,
    ...authEnv,
    ...kafkaEnv,
    ...postgresEnv,
    ...archiveStoreEnv,
    ...projectorGroupEnv,
    ...agentSecretsEnv,
    /** How long a rotated-out signing secret keeps signing next to the new one (docs/security.md). */
    AGENT_SECRET_GRACE_S: envInt(86_400, 0, 30 * 86_400),
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
    LIMIT_TENANT_APPENDS_PER_S: envInt(1000, 1, 1_000_000),
    LIMIT_TENANT_APPEND_BYTES_PER_S: envInt(16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    LIMIT_TENANT_CONVERSATIONS: envInt(1_000_000, 1, 1_000_000_000),
    LIMIT_TENANT_OVERRIDES: envJson(tenantOverridesSchema, {}),
    RUN_IDLE_TIMEOUT_MS: envInt(60_000, 100, 24 * 3_600_000),
    RUN_MAX_BATCH_EVENTS: envInt(500, 1, 10_000),
    RUN_MAX_BATCH_BYTES: envInt(256 * 1024, 1024, 16 * 1024 * 1024),
    RUN_MAX_EVENTS: envInt(100_000, 1, 10_000_000),
    RUN_COMMIT_WAIT_MS: envInt(5000, 100, 60_000),
    /** The realtime service as a browser reaches it: the console opens its live streams there (docs/console.md). */
    REALTIME_PUBLIC_URL: envUrl('http://127.0.0.1:4001', ['http:', 'https:']),
    /** The services whose /metrics GET /v1/admin/overview reads, as `name=url,...` (docs/console.md). */
    OVERVIEW_METRICS_URLS: overviewMetricsUrls(
      'projector=http://127.0.0.1:4002/metrics,archiver=http://127.0.0.1:4003/metrics,dispatcher=http://127.0.0.1:4004/metrics',
    ),
  })
  .refine((env) => env.HOLE_GRACE_MS >= minimumHoleGraceMs(env.APPEND_ACK_TIMEOUT_MS), {
    path: ['HOLE_GRACE_MS'],
    message: 'must be at least 2 x APPEND_ACK_TIMEOUT_MS (a tombstone must never overtake an acknowledged append)',
  })
  .refine(
    (env) =>
      [
        env.LIMIT_TENANT_APPEND_BYTES_PER_S,
        ...Object.values(env.LIMIT_TENANT_OVERRIDES).map((o) => o.append_bytes_per_s),
      ]
        .filter((bytes) => bytes !== undefined)
        .every((bytes) => bytes >= env.LIMIT_MESSAGE_BYTES + 64 * 1024),
    {
      path: ['LIMIT_TENANT_APPEND_BYTES_PER_S'],
      message:
        'must be at least LIMIT_MESSAGE_BYTES + 64 KiB, for the default and every override (else a largest message could never be appended)',
    },
  )
  .superRefine(checkArchiveStoreEnv)
  .superRefine(checkAuthEnv('COMMAND_HOST'))
  .superRefine(checkKafkaTopicsEnv)
  .transform((env) => ({
    service: 'command' as const,
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    auth: authConfig(env),
    http: { host: env.COMMAND_HOST, port: env.COMMAND_PORT, corsOrigins: env.CORS_ORIGINS },
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
    agents: { secretsKey: env.AGENT_SECRETS_KEY, secretGraceS: env.AGENT_SECRET_GRACE_S },
    runs: {
      idleTimeoutMs: env.RUN_IDLE_TIMEOUT_MS,
      maxBatchEvents: env.RUN_MAX_BATCH_EVENTS,
      maxBatchBytes: env.RUN_MAX_BATCH_BYTES,
      maxEvents: env.RUN_MAX_EVENTS,
      commitWaitMs: env.RUN_COMMIT_WAIT_MS,
    },
    reads: { waitMs: env.READ_WAIT_MS, maxLimit: env.READ_MAX_LIMIT },
    overview: { metricsUrls: env.OVERVIEW_METRICS_URLS },
    console: { realtimePublicUrl: env.REALTIME_PUBLIC_URL.replace(/\/+$/, '') },
    tenantLimits: new TenantLimitTable(
      {
        appendsPerSecond: env.LIMIT_TENANT_APPENDS_PER_S,
        appendBytesPerSecond: env.LIMIT_TENANT_APPEND_BYTES_PER_S,
        conversations: env.LIMIT_TENANT_CONVERSATIONS,
      },
      env.LIMIT_TENANT_OVERRIDES,
    ),
  }));

export type CommandConfig = z.output<typeof commandConfigSchema>;

export const COMMAND_CONFIG = Symbol('COMMAND_CONFIG');
