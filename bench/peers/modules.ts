import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../lib/services';

/**
 * The peers the `peers` scenario compares Threadline with live in their own
 * bench/peers/node_modules (installed by bench/run, kept out of the root lockfile),
 * so they are loaded from there by path, typed by the little of their API used here.
 * agent-threads is ESM-only: require() loads it on Node >= 20.19 (require(esm)).
 */
export const PEERS_DIR = join(REPO_ROOT, 'bench', 'peers');

export interface DurableStreamsModule {
  DurableStreamTestServer: new (options: { port: number; host: string; dataDir: string; compression: boolean }) => {
    start(): Promise<string>;
    stop(): Promise<void>;
  };
}

export interface SqliteStatement {
  get(...params: unknown[]): Record<string, unknown> | undefined;
}

export interface SqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  pragma(sql: string, options: { simple: true }): unknown;
  close(): void;
}

export type BetterSqliteModule = new (filename: string) => SqliteDatabase;

export interface StoredEvent {
  seq: number;
  event: unknown;
}

export interface EventStore {
  append(streamId: string, events: unknown[]): Promise<StoredEvent[]>;
  replay(streamId: string, options?: { afterSeq?: number; limit?: number }): Promise<StoredEvent[]>;
}

export interface AgentThreadsSqliteModule {
  SQLiteEventStore: new (db: SqliteDatabase) => EventStore;
}

/** `require(name)` as resolved from bench/peers; a clear error when bench/run did not install it. */
export function requirePeer<T>(name: string): T {
  if (!existsSync(join(PEERS_DIR, 'node_modules'))) {
    throw new Error(`${PEERS_DIR}/node_modules is missing: run the peers scenario through bench/run (npm run bench)`);
  }
  return createRequire(join(PEERS_DIR, 'package.json'))(name) as T;
}
