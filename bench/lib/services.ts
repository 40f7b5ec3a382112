import { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createClient } from 'redis';
import { ProcessLayout, ServiceName, ServiceProcess } from '../../test/support/service-process';

/** dist/bench, where bench/tsconfig.json compiles the bench together with the apps it starts. */
export const BENCH_DIST = join(__dirname, '..', '..');
export const REPO_ROOT = join(BENCH_DIST, '..', '..');

/** The bench runs the apps bench/tsconfig.json compiled, quieter, with a new log per start. */
export const BENCH_LAYOUT: ProcessLayout = {
  distDir: BENCH_DIST,
  logDir: join(REPO_ROOT, '.data', 'bench-logs'),
  logLevel: 'warn',
  appendLog: false,
};

/** Linux's USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream build). */
const CLOCK_TICKS = 100;

export type { ProcessLayout, ServiceName };

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') {
    throw new Error('could not allocate a port');
  }
  return address.port;
}

/** Children still running if the bench exits early (an error, Ctrl-C): killed on the way out. */
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

/**
 * A built service started as its own process, as in production (the tests' ServiceProcess
 * in the bench's layout); its output goes to .data/bench-logs/<name>.log.
 */
export class BenchService extends ServiceProcess {
  /** `layout`: another build's (the `ab` scenario's base), else the bench's own. */
  constructor(
    service: ServiceName,
    name: string,
    port: number,
    env: Record<string, string>,
    layout: ProcessLayout = BENCH_LAYOUT,
  ) {
    super(service, name, port, env, layout);
  }

  /** SIGTERM, and SIGKILL if the service has not exited 15 s later. */
  override stop(): Promise<number | null> {
    return super.stop(15_000);
  }

  /** CPU seconds (user + system) the process has used so far; null where /proc is not there. */
  cpuSeconds(): number | null {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return null;
    }
  }

  /** Resident set size of the process in bytes (VmRSS of /proc/<pid>/status); null where /proc is not there. */
  rssBytes(): number | null {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
      return match ? Number(match[1]) * 1024 : null;
    } catch {
      return null;
    }
  }

  /** The value of a Prometheus sample of the service's /metrics (summed over label sets), 0 if absent. */
  async metric(name: string): Promise<number> {
    const res = await fetch(`${this.baseUrl}/metrics`);
    const text = await res.text();
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  protected override started(child: ChildProcess): void {
    running.add(child);
    child.once('exit', () => running.delete(child));
  }
}

/** A kafkajs client configured like the services' (libs/kafka), quieter (errors only). */
export function kafkaClient(brokers: string, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: brokers.split(','),
    connectionTimeout: 3000,
    requestTimeout: 5000,
    logLevel: logLevel.ERROR,
    retry: { initialRetryTime: 100, retries: 8, maxRetryTime: 2000 },
  });
}

/** Creates a topic configured like the conversation topic (libs/kafka TopicProvisioner). */
export async function createTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'delete' },
            { name: 'retention.ms', value: '-1' },
            { name: 'min.insync.replicas', value: '1' },
          ],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the bench's topics; best effort (the bench result does not depend on it). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) {
      await admin.deleteTopics({ topics: present, timeout: 10_000 });
    }
  } catch (error) {
    console.warn(`[bench] could not delete topics ${topics.join(', ')}: ${(error as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Deletes every Redis key under `prefix:`; best effort. */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const client = createClient({ url });
  try {
    await client.connect();
    for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      const keys: string[] = Array.isArray(batch) ? batch : [batch];
      if (keys.length > 0) {
        await client.del(keys);
      }
    }
  } catch (error) {
    console.warn(`[bench] could not delete Redis keys ${prefix}:*: ${(error as Error).message}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}
