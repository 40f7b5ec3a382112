import { setTimeout as sleep } from 'node:timers/promises';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ServiceName = 'command' | 'projector' | 'realtime' | 'archiver' | 'dispatcher';

const ROOT = join(__dirname, '..', '..');

/** Where a service process comes from and where its output goes. */
export interface ProcessLayout {
  /** The directory the apps were compiled to: <dist>/apps/<service>/src/main.js. */
  distDir: string;
  logDir: string;
  logLevel: string;
  /** Appends to the log of an earlier start (else starts a new log). */
  appendLog: boolean;
}

/** Tests run what `npm run build` put in dist/, logging to .data/test-logs. */
export const TEST_LAYOUT: ProcessLayout = {
  distDir: join(ROOT, 'dist'),
  logDir: join(ROOT, '.data', 'test-logs'),
  logLevel: 'info',
  appendLog: true,
};

/** Where the build of a layout puts each service's entry point. */
export function entryPoint(service: ServiceName, layout: ProcessLayout = TEST_LAYOUT): string {
  return join(layout.distDir, 'apps', service, 'src', 'main.js');
}

/**
 * A real service process (the built output) for tests and benchmarks that cross
 * process boundaries: started with its own environment, killed with real signals,
 * paused and resumed. Its output goes to <logDir>/<name>.log.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;

  constructor(
    readonly service: ServiceName,
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    protected readonly layout: ProcessLayout = TEST_LAYOUT,
  ) {}

  get logFile(): string {
    return join(this.layout.logDir, `${this.name}.log`);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(readyTimeoutMs = 60_000): Promise<void> {
    mkdirSync(this.layout.logDir, { recursive: true });
    const log = createWriteStream(this.logFile, { flags: this.layout.appendLog ? 'a' : 'w' });
    const child = spawn(process.execPath, [...serviceNodeArgs(), entryPoint(this.service, this.layout)], {
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1', LOG_LEVEL: this.layout.logLevel, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    this.started(child);
    await this.waitReady(readyTimeoutMs);
  }

  /** For subclasses that track their children. */
  protected started(_child: ChildProcess): void {}

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (this.child && this.child.exitCode !== null) {
        throw new Error(`${this.name} exited with code ${this.child.exitCode}; see ${this.logFile}`);
      }
      try {
        const res = await fetch(`${this.baseUrl}/health/ready`);
        last = `${res.status} ${await res.text()}`;
        if (res.ok) {
          return;
        }
      } catch (error) {
        last = String(error);
      }
      await sleep(200);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms: ${last}`);
  }

  /** SIGTERM and wait for a graceful exit; SIGKILL if it has not come after killAfterMs, when given. */
  async stop(killAfterMs?: number): Promise<number | null> {
    const child = this.child;
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child?.kill('SIGKILL'), killAfterMs);
    try {
      return await this.signal('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: the process dies wherever it is. */
  async kill(): Promise<number | null> {
    return this.signal('SIGKILL');
  }

  /** The same service on the same port with some environment variables changed (undefined: removed). */
  withEnv(changes: Record<string, string | undefined>): ServiceProcess {
    const env = { ...this.env, ...changes };
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined) {
        delete env[name];
      }
    }
    return new ServiceProcess(this.service, this.name, this.port, env as Record<string, string>, this.layout);
  }

  /**
   * The kernel's scheduling state of the process's main thread (the one running JavaScript):
   * R running, S sleeping (idle in the event loop), T stopped, ...; null when it is not running.
   */
  mainThreadState(): string | null {
    const pid = this.child?.pid;
    if (pid === undefined) {
      return null;
    }
    try {
      const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    } catch {
      return null;
    }
  }

  /** SIGSTOP: the process freezes wherever it is (mid-request included); resolves once the kernel stopped it. */
  async pause(): Promise<void> {
    this.child?.kill('SIGSTOP');
    await eventually(`${this.name} stopped`, async () => this.mainThreadState() === 'T', 5000, 5);
  }

  /** SIGCONT: the process goes on from where it was stopped, unaware of the time that passed. */
  async resume(): Promise<void> {
    this.child?.kill('SIGCONT');
    await eventually(`${this.name} running again`, async () => this.mainThreadState() !== 'T', 5000, 5);
  }

  private async signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return child?.exitCode ?? null;
    }
    const exited = once(child, 'exit');
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    this.child = null;
    return code;
  }
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}

/**
 * Node flags for every service started here, from SERVICE_NODE_ARGS (space-separated), e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the services of a bench run (Node refuses those in NODE_OPTIONS).
 */
function serviceNodeArgs(): string[] {
  return (process.env.SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
}
