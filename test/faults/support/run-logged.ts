import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, mkdirSync, openSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
/** One run's name: its servers' data and its logs are its own, so two runs never touch each other's. */
export const RUN_ID = randomBytes(4).toString('hex');
/** The run's data: the Kafka stack dir, the Postgres cluster, the archive (removed at the end). */
export const RUN_DIR = join(ROOT, '.data', 'faults', RUN_ID);
/** The run's logs, relative to .data/test-logs (where ServiceProcess writes `<name>.log`). */
export const LOG_SUBDIR = `faults-${RUN_ID}`;
export const LOG_DIR = join(ROOT, '.data', 'test-logs', LOG_SUBDIR);

/** Where a helper's output goes: .data/test-logs/faults-<run>/<name>.log (appended). */
export function logPath(name: string): string {
  mkdirSync(LOG_DIR, { recursive: true });
  return join(LOG_DIR, `${name}.log`);
}

/**
 * Runs a command to completion without blocking the event loop (load and
 * subscribers keep running meanwhile), its output appended to a log file.
 * Waits for the process to exit, not for its pipes: daemons it starts inherit nothing.
 */
export async function runLogged(
  command: string,
  args: string[],
  logName: string,
  env: Record<string, string> = {},
): Promise<void> {
  const fd = openSync(logPath(logName), 'a');
  try {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) {
      throw new Error(`${command} ${args.join(' ')} failed (${code ?? signal}); see ${logPath(logName)}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Links `stackDir`/cache to the shared jar cache (.data/cache), so scripts/stack there fetches nothing again. */
export function linkJarCache(stackDir: string): void {
  const cache = join(stackDir, 'cache');
  if (!existsSync(cache)) {
    mkdirSync(join(ROOT, '.data', 'cache'), { recursive: true });
    mkdirSync(stackDir, { recursive: true });
    symlinkSync(join(ROOT, '.data', 'cache'), cache);
  }
}
