import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '@threadline/persistence';
import { log } from './scenario';

/**
 * A database of the bench's own on the test server (`threadline_bench_<label>_<id>`), migrated at once and
 * dropped at the end: a measurement sees only what it wrote. In the shared test database the services also
 * worked on what test suites left there (the command's idle sweep re-ended 237 leftover streaming runs every
 * second during the append bench, docs/performance.md, third pass).
 */
export class BenchDatabase {
  private constructor(
    private readonly serverUrl: string,
    private readonly name: string,
    readonly url: string,
  ) {}

  /** Creates and migrates a new database on the server of `serverUrl` (any database of it). */
  static async create(serverUrl: string, label: string): Promise<BenchDatabase> {
    const name = `threadline_bench_${label}_${randomUUID().slice(0, 8)}`;
    await BenchDatabase.admin(serverUrl, `CREATE DATABASE ${name}`);
    const url = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
    await runMigrations({ url, poolSize: 2 });
    log(`database ${name} created and migrated`);
    return new BenchDatabase(serverUrl, name, url);
  }

  async drop(): Promise<void> {
    await BenchDatabase.admin(this.serverUrl, `DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`).catch(
      (error: Error) => log(`could not drop database ${this.name}: ${error.message}`),
    );
  }

  private static async admin(url: string, sql: string): Promise<void> {
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(sql);
    } finally {
      await db.end();
    }
  }
}
