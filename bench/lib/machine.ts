import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './services';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  kafka: string | null;
  redis: string | null;
  postgres: string | null;
  gitCommit: string | null;
  /** Uncommitted changes were benchmarked too. */
  gitDirty: boolean | null;
}

function run(command: string, args: string[]): string | null {
  try {
    return execFileSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return null;
  }
}

/** `version: X` of one component in the output of `scripts/stack status`. */
function stackVersion(status: string | null, component: string): string | null {
  const line = status?.split('\n').find((l) => l.replace(/^\[stack\]\s*/, '').startsWith(`${component} `));
  const match = line ? /version: (.+?)(?:\s{2,}|$)/.exec(line) : null;
  return match ? match[1].trim() : null;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const status = run('bash', [join(REPO_ROOT, 'scripts', 'stack'), 'status']);
  const commit = run('git', ['rev-parse', 'HEAD']);
  const dirty = run('git', ['status', '--porcelain']);
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    kafka: stackVersion(status, 'kafka'),
    redis: stackVersion(status, 'redis'),
    postgres: stackVersion(status, 'postgres'),
    gitCommit: commit?.trim() ?? null,
    gitDirty: dirty === null ? null : dirty.trim().length > 0,
  };
}
