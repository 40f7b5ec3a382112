import { Pool } from 'pg';
import { TestIdentityProvider } from '../../test/support/identity-provider';
import { ClosedLoopResult, runClosedLoop } from '../lib/closed-loop';
import { ServiceFixture } from '../lib/fixture';
import { KeepAliveClient } from '../lib/http';
import { BenchSettings, envNumber, log, Scenario, ScenarioResult, TargetCheck } from '../lib/scenario';
import { fmt, ratio, renderTable } from '../lib/table';

const PAGE = 50;
/** The deep page is reached by following next_cursor this many times from the first. */
const DEEP_HOPS = 4;
/** One session in MATCH_EVERY carries metadata.tier = gold (the filter), the others free. */
const MATCH_EVERY = 4;
const FILTER = { key: 'tier', value: 'gold' };
const WARMUP_MS = 1000;
const DURATION_MS = 5000;
const TARGET_1M_VS_1K = 1.2;
/** The SELECT ConversationListReader.page issues for a metadata filter, from a position or not, written by hand. */
const bareSql = (
  after: boolean,
): string => `SELECT c.id, c.title, c.metadata, c.last_seq, c.archived_seq, c.header_version, c.archived, c.creator,
        c.parent_conversation_id, c.forked_at_seq, c.created_at, c.updated_at,
        to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key,
        COALESCE((SELECT json_agg(json_build_object('id', p.participant_id, 'kind', p.kind) ORDER BY p.participant_id)
                  FROM conversation_participants AS p
                  WHERE p.tenant_id = c.tenant_id AND p.conversation_id = c.id), '[]') AS participants
 FROM conversations AS c
 WHERE c.tenant_id = $1 AND NOT c.tombstoned AND c.archived = $2 AND c.metadata @> $3::jsonb
   ${after ? 'AND (c.created_at, c.id) > ($5::timestamptz, $6)' : ''}
 ORDER BY c.created_at, c.id
 LIMIT $4`;

type Route = 'sessions' | 'conversations';
type Depth = 'first' | 'deep';

interface Position {
  createdAt: string;
  id: string;
}

interface Size {
  sessions: number;
  tenant: string;
  token: string;
}

interface Cell {
  sessions: number;
  route: Route;
  depth: Depth;
  ours: ClosedLoopResult;
  bare: ClosedLoopResult;
}

/**
 * Listing a tenant's sessions with a metadata filter through the command (HTTP →
 * JWT → ConversationListReader → JSON) over a small and a large tenant, first page
 * and a deep page, against the listing's SELECT on a bare `pg` pool in the same run.
 */
export const sessionsScenario: Scenario = {
  name: 'sessions',
  description: `GET /v1/sessions and /v1/conversations?limit=${PAGE}&metadata.${FILTER.key}=${FILTER.value} over 1k and 1M sessions vs the bare SELECT`,
  async run(settings: BenchSettings): Promise<ScenarioResult> {
    const counts = [envNumber('BENCH_SESSIONS_SMALL', 1000), envNumber('BENCH_SESSIONS_LARGE', 1_000_000)];
    const fixture = new ServiceFixture(settings, 'bench-sessions', 1);
    const provider = new TestIdentityProvider();
    const pool = new Pool({ connectionString: settings.databaseUrl, max: 2 });
    const sizes: Size[] = [];
    try {
      const jwksUrl = await provider.start();
      for (const [i, sessions] of counts.entries()) {
        const tenant = `${fixture.runId}-${i}`;
        const token = await provider.token({ tenant_id: tenant, sub: 'service:bench', scope: 'conversations:read' });
        sizes.push({ sessions, tenant, token });
        await seed(pool, tenant, sessions);
      }
      const command = await fixture.start('command', provider.authEnv(jwksUrl));
      const cells: Cell[] = [];
      for (const size of sizes) {
        cells.push(...(await measureSize(command.baseUrl, pool, size)));
      }
      return report(cells, counts);
    } finally {
      await fixture.tearDown();
      for (const size of sizes) {
        await pool.query('DELETE FROM conversations WHERE tenant_id = $1', [size.tenant]).catch((error: Error) => {
          log(`sessions: could not delete tenant ${size.tenant}'s rows: ${error.message}`);
        });
      }
      await provider.stop();
      await pool.end().catch(() => undefined);
    }
  },
};

/** `sessions` rows of `conversations` for `tenant` in one INSERT ... SELECT generate_series, then ANALYZE. */
async function seed(pool: Pool, tenant: string, sessions: number): Promise<void> {
  const started = performance.now();
  await pool.query(
    `INSERT INTO conversations (tenant_id, id, title, metadata, created_at, updated_at)
     SELECT $1, 'ses_bench_' || lpad(i::text, 8, '0'), 'bench session ' || i,
            jsonb_build_object('${FILTER.key}', CASE WHEN i % $3 = 0 THEN '${FILTER.value}' ELSE 'free' END,
                               'bench', 'sessions'),
            timestamptz '2026-01-01T00:00:00Z' + i * interval '1 millisecond',
            timestamptz '2026-01-01T00:00:00Z' + i * interval '1 millisecond'
     FROM generate_series(1, $2::int) AS i`,
    [tenant, sessions, MATCH_EVERY],
  );
  await pool.query('ANALYZE conversations');
  log(`sessions: seeded ${sessions} sessions of ${tenant} in ${fmt((performance.now() - started) / 1000)} s`);
}

async function measureSize(baseUrl: string, pool: Pool, size: Size): Promise<Cell[]> {
  const client = new KeepAliveClient(baseUrl, 1, { authorization: `Bearer ${size.token}` });
  try {
    const deep = await deepCursor(client);
    const cells: Cell[] = [];
    for (const depth of ['first', 'deep'] as const) {
      const cursor = depth === 'first' ? null : deep;
      const bare = await measureBare(pool, size, cursor === null ? null : decodeCursor(cursor));
      for (const route of ['sessions', 'conversations'] as const) {
        log(`sessions: ${size.sessions} ${route} ${depth} page ours`);
        const path = listPath(route, cursor);
        const ours = await runClosedLoop({ concurrency: 1, warmupMs: WARMUP_MS, durationMs: DURATION_MS }, async () => {
          await expectPage(client, route, path);
        });
        cells.push({ sessions: size.sessions, route, depth, ours, bare });
      }
    }
    return cells;
  } finally {
    client.close();
  }
}

function listPath(route: Route, cursor: string | null): string {
  const query = `limit=${PAGE}&metadata.${FILTER.key}=${FILTER.value}`;
  return `/v1/${route}?${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
}

async function expectPage(client: KeepAliveClient, route: Route, path: string): Promise<string | null> {
  const res = await client.expect(200, 'GET', path);
  const page = JSON.parse(res.body) as Record<string, unknown> & { next_cursor: string | null };
  const listed = page[route] as Array<{ metadata: Record<string, unknown> }>;
  if (listed.length !== PAGE || listed.some((s) => s.metadata[FILTER.key] !== FILTER.value)) {
    throw new Error(`GET ${path}: ${listed.length} ${route}, not ${PAGE} matching the filter`);
  }
  return page.next_cursor;
}

/** The cursor of the page DEEP_HOPS pages after the first, followed through the API. */
async function deepCursor(client: KeepAliveClient): Promise<string> {
  let cursor: string | null = null;
  for (let hop = 1; hop <= DEEP_HOPS; hop += 1) {
    const next: string | null = await expectPage(client, 'sessions', listPath('sessions', cursor));
    if (next === null) {
      throw new Error(`the listing ended after ${hop} pages; the deep page needs ${DEEP_HOPS + 1}`);
    }
    cursor = next;
  }
  if (cursor === null) {
    throw new Error('DEEP_HOPS must be at least 1');
  }
  return cursor;
}

function decodeCursor(cursor: string): Position {
  const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
  return { createdAt, id };
}

async function measureBare(pool: Pool, size: Size, after: Position | null): Promise<ClosedLoopResult> {
  log(`sessions: ${size.sessions} ${after === null ? 'first' : 'deep'} page bare SELECT`);
  const params: unknown[] = [size.tenant, false, JSON.stringify({ [FILTER.key]: FILTER.value }), PAGE + 1];
  if (after !== null) {
    params.push(after.createdAt, after.id);
  }
  const sql = bareSql(after !== null);
  return runClosedLoop({ concurrency: 1, warmupMs: WARMUP_MS, durationMs: DURATION_MS }, async () => {
    const res = await pool.query(sql, params);
    if (res.rowCount !== PAGE + 1 && (after === null || res.rowCount !== PAGE)) {
      throw new Error(`bare SELECT: ${res.rowCount} rows`);
    }
  });
}

function report(cells: Cell[], counts: number[]): ScenarioResult {
  const [small, large] = counts;
  const headers = [
    'sessions',
    'route',
    'page',
    'ours p50 ms',
    'ours p99 ms',
    'bare p50 ms',
    'bare p99 ms',
    'p50 ours/bare',
    'p99 ours/bare',
  ];
  const rows = cells.map((c) => [
    c.sessions,
    c.route,
    c.depth,
    fmt(c.ours.latency.p50Ms),
    fmt(c.ours.latency.p99Ms),
    fmt(c.bare.latency.p50Ms),
    fmt(c.bare.latency.p99Ms),
    ratio(c.ours.latency.p50Ms, c.bare.latency.p50Ms),
    ratio(c.ours.latency.p99Ms, c.bare.latency.p99Ms),
  ]);
  const targets: TargetCheck[] = [];
  for (const c of cells.filter((cell) => cell.sessions === large)) {
    const base = cells.find((s) => s.sessions === small && s.route === c.route && s.depth === c.depth);
    if (base) {
      for (const percentile of ['p50Ms', 'p99Ms'] as const) {
        targets.push({
          target: `${c.route} ${c.depth} page ${percentile.slice(0, 3)} at ${large} vs ${small} sessions`,
          reached: c.ours.latency[percentile] / base.ours.latency[percentile],
          limit: TARGET_1M_VS_1K,
        });
      }
    }
  }
  const notes = [
    `each size is one bench-only tenant whose sessions (rows of conversations) were seeded in SQL with one ` +
      `INSERT ... SELECT generate_series, not through the API, then ANALYZE; deleted at the end`,
    `1 in ${MATCH_EVERY} sessions has metadata.${FILTER.key}=${FILTER.value} (the filter); pages of ${PAGE}; ` +
      `deep = the page after following next_cursor ${DEEP_HOPS} times`,
    'ours = the command (AUTH_MODE=on, JWT with conversations:read) over HTTP keep-alive, c=1; ' +
      'bare = the listing SELECT of ConversationListReader on a bare pg Pool, c=1, no HTTP/JSON',
    `${WARMUP_MS / 1000} s warm-up + ${DURATION_MS / 1000} s per row; the bare rows are shared by both routes`,
  ];
  for (const c of cells) {
    for (const [side, result] of [
      ['ours', c.ours],
      ['bare', c.bare],
    ] as const) {
      if (result.errors > 0) {
        notes.push(
          `${c.sessions} ${c.route} ${c.depth} ${side}: ${result.errors} errors, e.g. ${result.errorSamples[0]}`,
        );
      }
    }
  }
  return {
    table: renderTable(headers, rows),
    notes,
    targets,
    data: {
      sizes: counts,
      page: PAGE,
      deepHops: DEEP_HOPS,
      matchEvery: MATCH_EVERY,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      cells,
    },
  };
}
