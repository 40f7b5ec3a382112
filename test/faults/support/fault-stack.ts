import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { FAST_DISPATCH_ENV } from '../../dispatcher/support';
import { FAST_FAILURE_ENV } from '../../support/command-stack';
import { entryPoint, ServiceName, ServiceProcess } from '../../support/service-process';
import { isolatedEnv } from '../../support/test-env';
import { OwnedKafka } from './owned-kafka';
import { OwnedPostgres } from './owned-postgres';
import { OwnedRedis } from './owned-redis';
import { freePort } from './ports';
import { LOG_DIR, LOG_SUBDIR, RUN_DIR, runLogged } from './run-logged';

/**
 * Realtime's reorder timeout here, as docs/operations.md advises for a replicated cluster: above the command's
 * ack timeout (2 s, FAST_FAILURE_ENV) plus the longest fetch stall a broker restart or a group re-join causes. With
 * the 2 s default a stream holding seq N+1 through such a stall announced N as a gap although it was acknowledged
 * (docs/faults.md, `rolling-restart`); the checker still refuses any acknowledged seq a gap skips.
 */
const FAULT_REORDER_TIMEOUT_MS = '15000';

const ARCHIVE_DIR = join(RUN_DIR, 'archive');

/** The suite's own Kafka: one broker (OwnedKafka) or a three-node cluster (OwnedKafkaCluster). */
export interface FaultKafka {
  /** host:port[,host:port...] */
  readonly brokers: string;
  /** What the services need to use it (KAFKA_BROKERS, the topics' replication factor). */
  readonly env: Record<string, string>;
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
}

/** `fast`: FAST_FAILURE_ENV (2 s ack timeout, 19 s hole grace); `service-defaults`: the command's own defaults. */
export type CommandTimeouts = 'fast' | 'service-defaults';

/**
 * Everything a fault suite runs and may kill: its own Kafka (a broker or a cluster), Redis and
 * PostgreSQL cluster, and the services on them — two command instances, the
 * projector, two realtime instances, the archiver and the dispatcher (which
 * appends agents' replies through the first command instance). Nothing here is shared.
 */
export class FaultStack<K extends FaultKafka = FaultKafka> {
  readonly archiveDir = ARCHIVE_DIR;
  private commandTimeouts: CommandTimeouts = 'fast';

  private constructor(
    readonly kafka: K,
    readonly redis: OwnedRedis,
    readonly postgres: OwnedPostgres,
    readonly env: Record<string, string>,
    readonly projector: ServiceProcess,
    readonly commands: ServiceProcess[],
    readonly realtimes: ServiceProcess[],
    readonly archiver: ServiceProcess,
    readonly dispatcher: ServiceProcess,
  ) {}

  /**
   * Picks free ports for every server and service, on `kafka` (one broker of the suite's own when left out)
   * with the conversation topic's `partitions`; starts nothing.
   */
  static async create<K extends FaultKafka = OwnedKafka>(kafka?: K, partitions = 4): Promise<FaultStack<K>> {
    for (const service of ['command', 'projector', 'realtime', 'archiver', 'dispatcher'] as const) {
      if (!existsSync(entryPoint(service))) {
        throw new Error(`${entryPoint(service)} is missing: run \`npm run build\` first`);
      }
    }
    mkdirSync(LOG_DIR, { recursive: true });
    const owned = kafka ?? ((await OwnedKafka.onFreePorts()) as FaultKafka as K);
    const redis = new OwnedRedis(await freePort());
    const postgres = new OwnedPostgres(await freePort());
    const env = {
      ...isolatedEnv('faults', partitions),
      ...FAST_FAILURE_ENV,
      ...owned.env,
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      ARCHIVE_DIR,
      ARCHIVE_SEGMENT_MAX_AGE_MS: '500',
      SHUTDOWN_GRACE_MS: '3000',
      REORDER_TIMEOUT_MS: FAULT_REORDER_TIMEOUT_MS,
    };
    const service = async (
      name: ServiceName,
      index: number | '',
      portVariable: string,
      extra: Record<string, string> = {},
    ) => {
      const port = await freePort();
      return new ServiceProcess(name, `${LOG_SUBDIR}/${name}${index === '' ? '' : `-${index}`}`, port, {
        ...env,
        ...extra,
        [portVariable]: String(port),
      });
    };
    const commands = [await service('command', 0, 'COMMAND_PORT'), await service('command', 1, 'COMMAND_PORT')];
    return new FaultStack(
      owned,
      redis,
      postgres,
      env,
      await service('projector', '', 'PROJECTOR_PORT'),
      commands,
      [await service('realtime', 0, 'REALTIME_PORT'), await service('realtime', 1, 'REALTIME_PORT')],
      await service('archiver', '', 'ARCHIVER_PORT'),
      await service('dispatcher', '', 'DISPATCHER_PORT', { ...FAST_DISPATCH_ENV, COMMAND_URL: commands[0].baseUrl }),
    );
  }

  /**
   * Restarts both command instances (SIGTERM, then start on the same port) with the given timeouts,
   * unless they run with them already.
   */
  async useCommandTimeouts(timeouts: CommandTimeouts): Promise<void> {
    if (timeouts === this.commandTimeouts) {
      return;
    }
    const changes = Object.fromEntries(
      Object.entries(FAST_FAILURE_ENV).map(([name, value]) => [name, timeouts === 'fast' ? value : undefined]),
    );
    await Promise.all(this.commands.map((c) => c.stop()));
    this.commands.splice(0, this.commands.length, ...this.commands.map((c) => c.withEnv(changes)));
    await Promise.all(this.commands.map((c) => c.start()));
    this.commandTimeouts = timeouts;
  }

  /** A counter or gauge of one service's /metrics (summed over its labels); 0 when it has no sample. */
  async metric(service: ServiceProcess, name: string): Promise<number> {
    const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  get commandUrls(): string[] {
    return this.commands.map((c) => c.baseUrl);
  }

  get realtimeUrls(): string[] {
    return this.realtimes.map((r) => r.baseUrl);
  }

  /** The end offset of each partition of the topic. */
  async topicEnds(): Promise<Map<number, number>> {
    const kafka = new Kafka({
      clientId: 'faults-ends',
      brokers: this.kafka.brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.env.KAFKA_TOPIC);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect();
    }
  }

  /** Produces records straight to the topic, around the command: what a buggy downstream producer could write. */
  async produceRaw(messages: { key: string; value: string }[]): Promise<void> {
    const kafka = new Kafka({
      clientId: 'faults-raw',
      brokers: this.kafka.brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: this.env.KAFKA_TOPIC, messages });
    } finally {
      await producer.disconnect();
    }
  }

  /** Starts the owned servers, migrates the database, then starts every service and waits until each is ready. */
  async start(): Promise<void> {
    mkdirSync(this.archiveDir, { recursive: true });
    await Promise.all([this.kafka.start(), this.redis.start(), this.postgres.create()]);
    await runLogged(process.execPath, [entryPoint('projector'), 'migrate'], 'migrate', {
      DATABASE_URL: this.postgres.url,
      AUTH_MODE: 'none',
    });
    await this.projector.start();
    await Promise.all([...this.commands, ...this.realtimes, this.archiver, this.dispatcher].map((s) => s.start()));
  }

  /** Kills every service and removes the owned servers; each step runs even if an earlier one failed. */
  async stop(): Promise<void> {
    const steps: Array<() => Promise<unknown>> = [
      () =>
        Promise.all(
          [...this.commands, ...this.realtimes, this.projector, this.archiver, this.dispatcher].map((s) => s.kill()),
        ),
      () => this.kafka.remove(),
      () => this.redis.kill(),
      () => this.postgres.remove(),
      async () => rmSync(RUN_DIR, { recursive: true, force: true }),
    ];
    const failures: string[] = [];
    for (const step of steps) {
      await step().catch((error: unknown) => failures.push(String(error)));
    }
    if (failures.length > 0) {
      throw new Error(`cleanup failed: ${failures.join('; ')}`);
    }
  }
}
