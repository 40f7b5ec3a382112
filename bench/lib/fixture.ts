import { Client } from 'pg';
import { createApiKey } from '../../test/support/identity-provider';
import { isolatedEnv } from '../../test/support/test-env';
import { forEachLimited } from './closed-loop';
import { KeepAliveClient } from './http';
import { BenchSettings, log } from './scenario';
import {
  BENCH_LAYOUT,
  BenchService,
  deleteRedisPrefix,
  deleteTopics,
  freePort,
  kafkaClient,
  ProcessLayout,
  ServiceName,
} from './services';
import { fmt } from './table';

const PORT_VARIABLE: Record<ServiceName, string> = {
  command: 'COMMAND_PORT',
  projector: 'PROJECTOR_PORT',
  realtime: 'REALTIME_PORT',
  archiver: 'ARCHIVER_PORT',
  dispatcher: 'DISPATCHER_PORT',
};
const SETUP_CONCURRENCY = 32;
/** What the bench's key may do: everything its scenarios call, no admin. */
const BENCH_SCOPES = ['conversations:read', 'conversations:write', 'messages:append', 'runs:write'];

/** The credential of a fixture whose services authenticate (ServiceFixture.authenticate). */
export interface BenchAuth {
  /** `tl_...`: for `?access_token=` on WebSocket and SSE URLs. */
  apiKey: string;
  /** `Authorization: Bearer <apiKey>`, for REST. */
  headers: Record<string, string>;
}

/**
 * The services of one scenario against the shared stack, isolated like the
 * end-to-end tests (their own topic, consumer groups and Redis key prefix), each
 * on a free port, stopped and cleaned up together.
 */
export class ServiceFixture {
  readonly env: Record<string, string>;
  private readonly services: BenchService[] = [];
  private readonly apiKeyIds: string[] = [];

  constructor(
    private readonly settings: BenchSettings,
    readonly label: string,
    readonly partitions: number,
    env: Record<string, string> = {},
  ) {
    this.env = {
      ...isolatedEnv(label, partitions),
      KAFKA_BROKERS: settings.kafkaBrokers,
      REDIS_URL: settings.redisUrl,
      DATABASE_URL: settings.databaseUrl,
      LOG_LEVEL: 'warn',
      ...env,
    };
  }

  get topic(): string {
    return this.env.KAFKA_TOPIC;
  }

  /** A second topic for a scenario's raw floor, deleted with the first. */
  get rawTopic(): string {
    return `${this.topic}.raw`;
  }

  /** `<label>-<random hex>`, unique to this run: a prefix for conversation ids and consumer groups. */
  get runId(): string {
    return this.topic.slice('test.'.length);
  }

  /**
   * Turns authentication on (AUTH_MODE=on, API keys) for every service started after
   * this, as in production, and mints the key the scenario's clients send: tenant
   * `default`, with the build's own CLI, deleted in tearDown.
   */
  authenticate(): BenchAuth {
    this.env.AUTH_MODE = 'on';
    const created = createApiKey(this.env, 'default', `service:${this.label}`, BENCH_SCOPES, BENCH_LAYOUT);
    this.apiKeyIds.push(created.id);
    return { apiKey: created.key, headers: { authorization: `Bearer ${created.key}` } };
  }

  /**
   * Starts a service (log in .data/bench-logs/<label>-<name>.log; `name` tells apart several
   * instances of one service) and waits until it is ready. `layout`: another build's (the `ab`
   * scenario's base), else the bench's own.
   */
  async start(
    service: ServiceName,
    env: Record<string, string> = {},
    name: string = service,
    layout: ProcessLayout = BENCH_LAYOUT,
  ): Promise<BenchService> {
    const port = await freePort();
    const instance = new BenchService(
      service,
      `${this.label}-${name}`,
      port,
      { ...this.env, ...env, [PORT_VARIABLE[service]]: String(port) },
      layout,
    );
    this.services.push(instance);
    log(`${this.label}: starting ${name} on :${port} (topic ${this.topic}, ${this.partitions} partitions)`);
    await instance.start();
    return instance;
  }

  /**
   * Stops the services and deletes the topics and Redis keys; with `conversationIds`
   * also their projected rows and the projector's offsets. Best effort.
   */
  async tearDown(conversationIds: readonly string[] = []): Promise<void> {
    await Promise.all(this.services.map((s) => s.stop()));
    await deleteTopics(kafkaClient(this.settings.kafkaBrokers, `threadline-${this.label}`), [
      this.topic,
      this.rawTopic,
      this.env.KAFKA_RUNS_TOPIC,
    ]);
    await deleteRedisPrefix(this.settings.redisUrl, this.env.REDIS_KEY_PREFIX);
    if (conversationIds.length > 0 || this.apiKeyIds.length > 0) {
      await this.deleteRows(conversationIds);
    }
  }

  private async deleteRows(ids: readonly string[]): Promise<void> {
    const db = new Client({ connectionString: this.settings.databaseUrl });
    try {
      await db.connect();
      await db.query(
        'DELETE FROM run_events WHERE run_id IN (SELECT run_id FROM runs WHERE conversation_id = ANY($1))',
        [ids],
      );
      await db.query('DELETE FROM runs WHERE conversation_id = ANY($1)', [ids]);
      await db.query('DELETE FROM messages WHERE conversation_id = ANY($1)', [ids]);
      await db.query('DELETE FROM conversations WHERE id = ANY($1)', [ids]);
      await db.query('DELETE FROM consumer_offsets WHERE consumer = $1', [this.env.PROJECTOR_GROUP_ID]);
      await db.query('DELETE FROM api_keys WHERE id = ANY($1)', [this.apiKeyIds]);
    } catch (error) {
      log(`${this.label}: could not delete the bench rows: ${(error as Error).message}`);
    } finally {
      await db.end().catch(() => undefined);
    }
  }
}

/** `PUT /v1/conversations/{id}` for every id, SETUP_CONCURRENCY at a time (with `headers`: a fixture's BenchAuth). */
export async function createConversations(
  baseUrl: string,
  ids: readonly string[],
  headers: Record<string, string> = {},
): Promise<void> {
  const started = performance.now();
  const client = new KeepAliveClient(baseUrl, SETUP_CONCURRENCY, headers);
  try {
    await forEachLimited(ids, SETUP_CONCURRENCY, async (id) => {
      const res = await client.request('PUT', `/v1/conversations/${id}`, { metadata: { bench: true } });
      if (res.status !== 200 && res.status !== 201) {
        throw new Error(`PUT /v1/conversations/${id}: ${res.status} ${res.body.slice(0, 200)}`);
      }
    });
  } finally {
    client.close();
  }
  log(`created ${ids.length} conversations in ${fmt((performance.now() - started) / 1000)} s`);
}
