import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createClient } from 'redis';
import { eventually } from '../../support/service-process';
import { logPath } from './run-logged';

/** A redis-server child process of the suite's own: no persistence, so a restart loses every key. */
export class OwnedRedis {
  private child: ChildProcess | null = null;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const log = createWriteStream(logPath('redis'), { flags: 'a' });
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
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
    await eventually(`redis on ${this.port}`, () => this.command((redis) => redis.ping()), 20_000, 100);
  }

  /** SIGKILL; the data was only in memory. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async flushAll(): Promise<void> {
    await this.command((redis) => redis.flushAll());
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
