import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from '../../support/service-process';
import { logPath, RUN_DIR, runLogged } from './run-logged';

const DATABASE = 'threadline_faults';

/** The newest PostgreSQL server binaries of the Debian packages (/usr/lib/postgresql/<version>/bin). */
function binDir(): string {
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  const newest = versions.at(-1);
  if (newest === undefined) {
    throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin');
  }
  return join('/usr/lib/postgresql', newest, 'bin');
}

const AS_ROOT = userInfo().uid === 0;

/**
 * A PostgreSQL cluster of the suite's own (initdb + pg_ctl, its own port and data
 * dir), run as the `postgres` OS user when we are root. That user may not be able
 * to enter the checkout (a clone under a 0700 directory, as `mktemp -d` makes), so
 * as root the cluster and its server log live in a directory of its own under the
 * system temp dir; the log is copied into the run's test logs when the cluster is removed.
 */
export class OwnedPostgres {
  private readonly dir = AS_ROOT ? mkdtempSync(join(tmpdir(), 'threadline-faults-pg-')) : join(RUN_DIR, 'postgres');
  private readonly data = join(this.dir, 'data');
  private readonly bin = binDir();
  private readonly log = join(this.dir, 'server.log');

  constructor(readonly port: number) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${DATABASE}`;
  }

  /** initdb a fresh cluster, start it and create the database. */
  async create(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.data, { recursive: true, mode: 0o700 });
    writeFileSync(this.log, '', { flag: 'a' });
    if (AS_ROOT) {
      const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres']).toString().trim()));
      chownSync(this.dir, uid, gid);
      chownSync(this.data, uid, gid);
      chownSync(this.log, uid, gid);
    }
    await this.pg('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
    appendFileSync(
      join(this.data, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `port = ${this.port}`,
        `unix_socket_directories = '${this.dir}'`,
        // A killed server loses nothing committed (the OS still has what it wrote), so fsync is not needed;
        // synchronous_commit stays on: off would let a crash drop transactions the services saw committed.
        'fsync = off',
        'full_page_writes = off',
        'max_connections = 200',
        '',
      ].join('\n'),
    );
    await this.start();
    const admin = new Client({ connectionString: `postgres://postgres@127.0.0.1:${this.port}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
  }

  async start(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-l', this.log, '-w', '-t', '60', 'start']);
  }

  /** Stops the server at once (no shutdown checkpoint, as a crash would) and starts it again. */
  async restart(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
    await this.start();
    await eventually('postgres to accept queries', () => this.ping(), 60_000, 200);
  }

  /** Stops the server if it runs and deletes the cluster. */
  async remove(): Promise<void> {
    if (existsSync(join(this.data, 'postmaster.pid'))) {
      await this.pg('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
    }
    if (existsSync(this.log)) {
      copyFileSync(this.log, logPath('postgres'));
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ping(): Promise<boolean> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    await client.end();
    return true;
  }

  private pg(tool: string, args: string[]): Promise<void> {
    const path = join(this.bin, tool);
    return AS_ROOT
      ? runLogged('runuser', ['-u', 'postgres', '--', path, ...args], 'postgres-ctl')
      : runLogged(path, args, 'postgres-ctl');
  }
}
