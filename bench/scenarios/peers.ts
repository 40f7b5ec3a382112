import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachLimited } from '../lib/closed-loop';
import { createConversations, ServiceFixture } from '../lib/fixture';
import { LatencyHistogram, LatencySummary } from '../lib/histogram';
import { KeepAliveClient } from '../lib/http';
import { CHAT_TEXT, chatMessage } from '../lib/payload';
import { BenchSettings, envNumber, log, Scenario, ScenarioResult, TargetCheck } from '../lib/scenario';
import { freePort, REPO_ROOT } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';
import { AgentThreadsSqliteModule, BetterSqliteModule, requirePeer } from '../peers/modules';

const PARTITIONS = 12;
/** The peer levels are the bench levels up to this one. */
const MAX_CONCURRENCY = 128;
const SETUP_CONCURRENCY = 32;
const READY_TIMEOUT_MS = 30_000;
const MAX_ERROR_SAMPLES = 3;
/** Threadline's largest page (READ_MAX_LIMIT's default): each conversation is read back in one request. */
const READ_PAGE = 1000;
/** The peer Threadline's append is held against. */
const REFERENCE_PEER = 'durable-streams';

/** One system under test: the same operations on each. */
interface Peer {
  name: string;
  /** Makes the conversations / streams (where the peer needs that before the first append). */
  create(ids: readonly string[]): Promise<void>;
  append(id: string, message: unknown): Promise<void>;
  /** Every message of the conversation / stream, from the start; returns how many. */
  readAll(id: string): Promise<number>;
  close(): Promise<void>;
}

interface Phase {
  latency: LatencySummary;
  perSec: number;
  errors: number;
  errorSamples: string[];
}

interface Level {
  peer: string;
  concurrency: number;
  append: Phase;
  read: Phase;
}

export const peersScenario: Scenario = {
  name: 'peers',
  description: 'append + read-back: Threadline REST vs @durable-streams/server (file) vs agent-threads (SQLite)',
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const messages = envNumber('BENCH_PEERS_MESSAGES', 2000);
    const conversations = envNumber('BENCH_PEERS_CONVERSATIONS', 100);
    if (messages / conversations > READ_PAGE) {
      throw new Error(`peers: more than ${READ_PAGE} messages per conversation do not fit one read`);
    }
    const levels = settings.concurrency.filter((c) => c <= MAX_CONCURRENCY);
    if (levels.length === 0) {
      throw new Error(`peers: no level of BENCH_CONCURRENCY is <= ${MAX_CONCURRENCY}`);
    }
    const fixture = new ServiceFixture(settings, 'bench-peers', PARTITIONS);
    const dataDir = mkdtempSync(join(tmpdir(), 'threadline-bench-peers-'));
    const threadlineIds: string[] = [];
    const results: Level[] = [];
    try {
      const peers: (() => Promise<Peer>)[] = [
        () => threadlinePeer(fixture, threadlineIds),
        () => durableStreamsPeer(join(dataDir, 'durable-streams')),
        async () => agentThreadsPeer(join(dataDir, 'agent-threads.sqlite'), false),
        async () => agentThreadsPeer(join(dataDir, 'agent-threads-fsync.sqlite'), true),
      ];
      for (const start of peers) {
        const peer = await start();
        try {
          for (const concurrency of levels) {
            const prefix = `${fixture.runId}-${peer.name}-c${concurrency}`;
            results.push(await measureLevel(peer, prefix, concurrency, messages, conversations));
          }
        } finally {
          await peer.close();
        }
      }
      return report(results, messages, conversations);
    } finally {
      await fixture.tearDown(threadlineIds);
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

async function measureLevel(
  peer: Peer,
  prefix: string,
  concurrency: number,
  messages: number,
  conversations: number,
): Promise<Level> {
  const ids = Array.from({ length: conversations }, (_, i) => `${prefix}-${i}`);
  const warmupId = `${prefix}-warmup`;
  await peer.create([warmupId, ...ids]);
  await forEachLimited(range(Math.min(200, messages)), concurrency, () => peer.append(warmupId, chatMessage()));

  log(`peers: ${peer.name} c=${concurrency}: ${messages} appends over ${conversations} conversations`);
  const expected = new Map<string, number>();
  const append = await timed(range(messages), concurrency, async (i) => {
    const id = ids[i % conversations];
    await peer.append(id, chatMessage());
    expected.set(id, (expected.get(id) ?? 0) + 1);
  });
  const read = await timed(ids, concurrency, async (id) => {
    const count = await peer.readAll(id);
    if (count !== (expected.get(id) ?? 0)) {
      throw new Error(`${id}: read ${count} messages, ${expected.get(id) ?? 0} were acknowledged`);
    }
  });
  return { peer: peer.name, concurrency, append, read };
}

/** Runs `task` over `items`, `concurrency` at a time, recording each call's latency; errors are counted. */
async function timed<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<Phase> {
  const histogram = new LatencyHistogram();
  const errorSamples: string[] = [];
  let errors = 0;
  const started = performance.now();
  await forEachLimited(items, concurrency, async (item) => {
    const at = performance.now();
    try {
      await task(item);
      histogram.recordMs(performance.now() - at);
    } catch (error) {
      errors += 1;
      if (errorSamples.length < MAX_ERROR_SAMPLES) {
        errorSamples.push(error instanceof Error ? error.message : String(error));
      }
    }
  });
  const seconds = (performance.now() - started) / 1000;
  return { latency: histogram.summary(), perSec: histogram.count / seconds, errors, errorSamples };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Threadline's REST API: the command service (appends, strong reads) and the projector behind the reads,
 * authenticated with an API key as in production.
 */
async function threadlinePeer(fixture: ServiceFixture, created: string[]): Promise<Peer> {
  const auth = fixture.authenticate();
  const command = await fixture.start('command');
  const projector = await fixture.start('projector');
  const client = new KeepAliveClient(command.baseUrl, MAX_CONCURRENCY, auth.headers);
  return {
    name: 'threadline',
    async create(ids) {
      created.push(...ids);
      await createConversations(command.baseUrl, ids, auth.headers);
    },
    async append(id, message) {
      await client.expect(201, 'POST', `/v1/conversations/${id}/messages`, { message });
    },
    async readAll(id) {
      const res = await client.expect(200, 'GET', `/v1/conversations/${id}/messages?from=1&limit=${READ_PAGE}`);
      const page = JSON.parse(res.body) as { messages: unknown[]; consistency: string };
      if (page.consistency !== 'strong') {
        throw new Error(`${id}: read was ${page.consistency}`);
      }
      return page.messages.length;
    },
    async close() {
      client.close();
      await Promise.all([command.stop(), projector.stop()]);
    },
  };
}

/** The Durable Streams reference server, file-backed, in its own process, over HTTP (JSON-mode streams). */
async function durableStreamsPeer(dataDir: string): Promise<Peer> {
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const logDir = join(REPO_ROOT, '.data', 'bench-logs');
  mkdirSync(logDir, { recursive: true });
  const logFd = openSync(join(logDir, 'bench-peers-durable-streams.log'), 'w');
  const entry = join(__dirname, '..', 'peers', 'durable-streams-main.js');
  const child = spawn(process.execPath, [entry, String(port), dataDir], { stdio: ['ignore', logFd, logFd, 'ipc'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  log(`peers: starting @durable-streams/server on :${port} (data in ${dataDir})`);
  await waitReady(child);
  const client = new KeepAliveClient(`http://127.0.0.1:${port}`, MAX_CONCURRENCY);
  return {
    name: 'durable-streams',
    async create(ids) {
      await forEachLimited(ids, SETUP_CONCURRENCY, async (id) => {
        await client.expect(201, 'PUT', `/bench/${id}`, []);
      });
    },
    async append(id, message) {
      await client.expect(204, 'POST', `/bench/${id}`, message);
    },
    async readAll(id) {
      const res = await client.expect(200, 'GET', `/bench/${id}?offset=-1`);
      return (JSON.parse(res.body) as unknown[]).length;
    },
    async close() {
      client.close();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      process.removeListener('exit', killOnExit);
    },
  };
}

async function waitReady(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('durable-streams server not ready in time')), READY_TIMEOUT_MS);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`durable-streams server exited with ${code}; see .data/bench-logs`));
    });
  });
}

/**
 * agent-threads' SQLiteEventStore on better-sqlite3 in WAL mode (as its docs advise), in this process.
 * better-sqlite3 builds SQLite with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1: in WAL mode a commit is not
 * fsynced (synchronous=NORMAL, whatever `PRAGMA synchronous` reports) unless synchronous=FULL is set.
 */
function agentThreadsPeer(file: string, fsyncEachCommit: boolean): Peer {
  const Database = requirePeer<BetterSqliteModule>('better-sqlite3');
  const { SQLiteEventStore } = requirePeer<AgentThreadsSqliteModule>('@lleverage-ai/agent-threads/stores/event-sqlite');
  const db = new Database(file);
  db.pragma('journal_mode = WAL', { simple: true });
  if (fsyncEachCommit) {
    db.pragma('synchronous = FULL', { simple: true });
  }
  const store = new SQLiteEventStore(db);
  const name = fsyncEachCommit ? 'agent-threads+fsync' : 'agent-threads';
  log(`peers: ${name}: SQLite store in ${file}`);
  return {
    name,
    async create() {
      // Streams exist from their first append.
    },
    async append(id, message) {
      await store.append(id, [message]);
    },
    async readAll(id) {
      return (await store.replay(id)).length;
    },
    async close() {
      db.close();
    },
  };
}

function report(levels: Level[], messages: number, conversations: number): ScenarioResult {
  const threadline = new Map(levels.filter((l) => l.peer === 'threadline').map((l) => [l.concurrency, l]));
  const headers = [
    'peer',
    'c',
    'append p50 ms',
    'append p99 ms',
    'appends/s',
    'read p50 ms',
    'read p99 ms',
    'reads/s',
    'append p99 vs threadline',
    'errors',
  ];
  const rows = levels.map((l) => {
    const ours = threadline.get(l.concurrency);
    return [
      l.peer,
      l.concurrency,
      fmt(l.append.latency.p50Ms),
      fmt(l.append.latency.p99Ms),
      fmt(l.append.perSec),
      fmt(l.read.latency.p50Ms),
      fmt(l.read.latency.p99Ms),
      fmt(l.read.perSec),
      ours ? ratio(l.append.latency.p99Ms, ours.append.latency.p99Ms) : '-',
      l.append.errors + l.read.errors,
    ];
  });
  const notes = [
    `per level and peer: ${messages} appends of a ${CHAT_TEXT.length}-byte text message round-robin over ` +
      `${conversations} fresh conversations/streams (after 200 unmeasured warm-up appends), then each read back ` +
      `whole (${Math.round(messages / conversations)} messages), c at a time; every read is checked against the acks`,
    'threadline: REST on the command service (own process, HTTP/1.1 keep-alive); 201 after Kafka acks=all on the ' +
      'single local broker (replication factor 1, page cache: Kafka leaves fsync to the OS) and the Redis head index ' +
      '(no persistence on this stack); reads are strong: they wait for the Postgres projection (fsync on)',
    'durable-streams: @durable-streams/server reference server, file-backed, own process, HTTP/1.1 keep-alive; 204 ' +
      'after the segment write + fdatasync (shared by concurrent appends) + the LMDB metadata commit',
    'agent-threads: SQLiteEventStore on better-sqlite3 in the bench process (no network hop, no HTTP), SQLite WAL as ' +
      'its docs advise, where better-sqlite3 defaults to synchronous=NORMAL: no fsync per commit (a process crash ' +
      'loses nothing, a power loss may); agent-threads+fsync: the same with synchronous=FULL (fsync per commit). ' +
      'The driver is synchronous: appends run one at a time whatever c, and the latency excludes the wait for a turn',
    ...levels
      .flatMap((l) =>
        [...l.append.errorSamples, ...l.read.errorSamples].map((e) => `${l.peer} c=${l.concurrency}: ${e}`),
      )
      .slice(0, 6),
  ];
  return {
    table: renderTable(headers, rows),
    notes,
    targets: peerTargets(levels),
    data: { messages, conversations, textBytes: CHAT_TEXT.length, levels },
  };
}

/** Threadline's append p50 and p99 at or below the reference server's at every level, and its throughput above. */
function peerTargets(levels: Level[]): TargetCheck[] {
  const reference = new Map(levels.filter((l) => l.peer === REFERENCE_PEER).map((l) => [l.concurrency, l]));
  return levels
    .filter((l) => l.peer === 'threadline' && reference.has(l.concurrency))
    .flatMap((ours) => {
      const peer = reference.get(ours.concurrency) as Level;
      const at = `threadline/${REFERENCE_PEER}, c=${ours.concurrency}`;
      return [
        { target: `append p50 ${at}`, reached: ours.append.latency.p50Ms / peer.append.latency.p50Ms, limit: 1 },
        { target: `append p99 ${at}`, reached: ours.append.latency.p99Ms / peer.append.latency.p99Ms, limit: 1 },
        { target: `appends/s ${at}`, reached: ours.append.perSec / peer.append.perSec, limit: 1, atLeast: true },
      ];
    });
}
