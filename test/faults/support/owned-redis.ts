import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';
import { eventually } from '../../support/service-process';
import { logPath, RUN_DIR } from './run-logged';

/**
 * A redis-server child process of the suite's own. Without persistence (the default) a restart loses
 * every key; `enablePersistence` turns on an fsync-always append-only file, so a restart on the same
 * port and directory keeps them.
 */
export class OwnedRedis {
  private child: ChildProcess | null = null;
  private persistent = false;
  readonly dir = join(RUN_DIR, 'redis');

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const log = createWriteStream(logPath('redis'), { flags: 'a' });
    const persistence = this.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        ...persistence,
        '--daemonize',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    await eventually(`redis on ${this.port}`, () => this.command((redis) => redis.ping()), 20_000, 20);
  }

  /**
   * Turns on the append-only file (fsync on every write) in the running server: Redis rewrites it
   * from the live data, so nothing is lost; resolves once that rewrite is on disk.
   */
  async enablePersistence(): Promise<void> {
    await this.command(async (redis) => {
      await redis.configSet('appendfsync', 'always');
      await redis.configSet('appendonly', 'yes');
    });
    await eventually(
      'the append-only file rewritten from the live data',
      async () => {
        const info = await this.command((redis) => redis.info('persistence'));
        return (
          /aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)
        );
      },
      30_000,
      50,
    );
    this.persistent = true;
  }

  /** Back to memory only: the next start is empty again. */
  async disablePersistence(): Promise<void> {
    await this.command((redis) => redis.configSet('appendonly', 'no'));
    this.persistent = false;
  }

  /** SIGTERM: Redis shuts down cleanly (with persistence, the append-only file is complete). */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** SIGKILL; without persistence the data was only in memory. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async flushAll(): Promise<void> {
    await this.command((redis) => redis.flushAll());
  }

  async get(key: string): Promise<string | null> {
    return this.command((redis) => redis.get(key));
  }

  async exists(key: string): Promise<boolean> {
    return (await this.command((redis) => redis.exists(key))) === 1;
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }

  private async command<T>(run: (redis: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
    const redis = createClient({ url: this.url, socket: { reconnectStrategy: false } });
    redis.on('error', () => undefined);
    await redis.connect();
    try {
      return await run(redis);
    } finally {
      redis.destroy();
    }
  }
}
