import { z } from 'zod';
import {
  agentSecretsEnv,
  authConfig,
  authEnv,
  checkAuthEnv,
  commonEnv,
  envInt,
  envPort,
  envUrl,
  kafkaConfig,
  kafkaEnv,
  checkKafkaTopicsEnv,
  postgresConfig,
  postgresEnv,
} from '@threadline/config';

const groupId = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected 1-128 characters of [A-Za-z0-9._-]')
  .default('threadline-dispatcher');

const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name ([A-Za-z0-9._-]{1,249})')
  .default('threadline.deliveries.dead.v1');

export const dispatcherConfigSchema = z
  .object({
    ...commonEnv,
    ...authEnv,
    ...kafkaEnv,
    ...postgresEnv,
    ...agentSecretsEnv,
    DISPATCHER_GROUP_ID: groupId,
    DISPATCHER_HOST: z.string().min(1).default('127.0.0.1'),
    DISPATCHER_PORT: envPort(4004),
    /** The command service: replies are appended through its `POST /v1/deliveries/{id}/replies`. */
    COMMAND_URL: envUrl('http://127.0.0.1:4000', ['http:', 'https:']),
    /** An API key with the `deliveries:reply` scope, sent as Bearer to the command; required when AUTH_MODE=on. */
    DISPATCHER_API_KEY: z.string().min(1).optional(),
    DISPATCHER_DEAD_LETTER_TOPIC: topicName,
    /** Full-jitter exponential backoff: retry n waits random(0, min(cap, base x factor^(n-1))). */
    DISPATCHER_RETRY_BASE_MS: envInt(500, 1, 3_600_000),
    DISPATCHER_RETRY_FACTOR: envInt(5, 1, 100),
    DISPATCHER_RETRY_CAP_MS: envInt(1_800_000, 1, 86_400_000),
    /** Consecutive failed attempts of an agent that open its circuit. */
    DISPATCHER_CIRCUIT_FAILURES: envInt(5, 1, 1000),
    /** How long an open circuit holds before one half-open probe. */
    DISPATCHER_CIRCUIT_OPEN_MS: envInt(30_000, 10, 3_600_000),
    /** Deliveries of one agent in flight at a time, per dispatcher instance. */
    DISPATCHER_AGENT_CONCURRENCY: envInt(16, 1, 10_000),
    /** Deliveries in flight at a time, per dispatcher instance. */
    DISPATCHER_CONCURRENCY: envInt(64, 1, 10_000),
    /** How often the worker looks for due deliveries when it is idle. */
    DISPATCHER_POLL_INTERVAL_MS: envInt(200, 10, 60_000),
    /** The most history messages a delivery carries for an agent whose history mode is "entire". */
    DISPATCHER_HISTORY_CAP: envInt(1000, 0, 100_000),
    /** Timeout of one call to the command's replies route. */
    DISPATCHER_REPLY_TIMEOUT_MS: envInt(10_000, 100, 600_000),
  })
  .superRefine(checkAuthEnv('DISPATCHER_HOST'))
  .superRefine(checkKafkaTopicsEnv)
  .superRefine((env, ctx) => {
    if (env.AUTH_MODE === 'on' && env.DISPATCHER_API_KEY === undefined) {
      ctx.addIssue({ code: 'custom', path: ['DISPATCHER_API_KEY'], message: 'required when AUTH_MODE=on' });
    }
  })
  .transform((env) => ({
    service: 'dispatcher' as const,
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    auth: authConfig(env),
    http: { host: env.DISPATCHER_HOST, port: env.DISPATCHER_PORT },
    kafka: kafkaConfig(env, 'threadline-dispatcher'),
    postgres: postgresConfig(env),
    agentSecretsKey: env.AGENT_SECRETS_KEY,
    ingest: { groupId: env.DISPATCHER_GROUP_ID },
    command: {
      url: env.COMMAND_URL.replace(/\/+$/, ''),
      apiKey: env.DISPATCHER_API_KEY ?? null,
      timeoutMs: env.DISPATCHER_REPLY_TIMEOUT_MS,
    },
    deadLetterTopic: env.DISPATCHER_DEAD_LETTER_TOPIC,
    retry: {
      baseMs: env.DISPATCHER_RETRY_BASE_MS,
      factor: env.DISPATCHER_RETRY_FACTOR,
      capMs: env.DISPATCHER_RETRY_CAP_MS,
    },
    circuit: { failuresToOpen: env.DISPATCHER_CIRCUIT_FAILURES, openMs: env.DISPATCHER_CIRCUIT_OPEN_MS },
    worker: {
      agentConcurrency: env.DISPATCHER_AGENT_CONCURRENCY,
      concurrency: env.DISPATCHER_CONCURRENCY,
      pollIntervalMs: env.DISPATCHER_POLL_INTERVAL_MS,
      historyCap: env.DISPATCHER_HISTORY_CAP,
    },
  }));

export type DispatcherConfig = z.output<typeof dispatcherConfigSchema>;

export const DISPATCHER_CONFIG = Symbol('DISPATCHER_CONFIG');
