import { randomInt } from 'node:crypto';
import { DEFAULT_TENANT } from '@threadline/contracts';
import { ClosedLoopResult, runClosedLoop } from '../lib/closed-loop';
import { mintCredentials } from '../lib/credentials';
import { ServiceFixture } from '../lib/fixture';
import { KeepAliveClient } from '../lib/http';
import { chatMessage } from '../lib/payload';
import { BenchSettings, log, TargetCheck } from '../lib/scenario';
import { BenchService } from '../lib/services';
import { fmt, ratio, renderTable } from '../lib/table';

/** The levels of the comparison, whatever BENCH_CONCURRENCY says. */
export const AUTH_LEVELS = [1, 128];
/** Target: an authenticated append's p50 within this factor of the same append with AUTH_MODE=none. */
const AUTH_P50_TARGET = 1.05;

/** The credential an append carries, in the order each round of a level measures them. */
type Credential = 'none' | 'api key' | 'jwt';
const ORDER: Credential[] = ['none', 'api key', 'jwt'];
/**
 * Each level measures every credential this many times, round after round, each on
 * a command process of its own: every process sees the same load before each of
 * its rows, so a difference between processes' warm-up is not taken for
 * authentication (an earlier design measured none twice on one process and the
 * others once, and a second none process came out 1.16x-1.58x of the first).
 */
const ROUNDS = 2;

interface Variant {
  command: BenchService;
  headers: Record<string, string>;
}

interface Row {
  concurrency: number;
  round: number;
  credential: Credential;
  result: ClosedLoopResult;
  /** CPU time of the command process per append (warm-up included); null without /proc. */
  commandCpuMsPerOp: number | null;
}

export interface AuthCost {
  table: string;
  notes: string[];
  targets: TargetCheck[];
  data: Record<string, unknown>;
}

/**
 * The cost of authentication on an append: three command instances of the same
 * build on `fixture`'s topic and Redis, AUTH_MODE=none, and AUTH_MODE=on taking
 * an API key or a JWT of the default tenant (so all three write the same
 * conversations, `ids`). Per level, ROUNDS rounds back to back of none, API key,
 * JWT (A-B-C-A-B-C: drift over the level shows as the none rows' difference).
 */
export async function measureAuthCost(
  settings: BenchSettings,
  fixture: ServiceFixture,
  ids: readonly string[],
): Promise<AuthCost> {
  const credentials = await mintCredentials(fixture.env, {
    tenant: DEFAULT_TENANT,
    subject: 'service:bench',
    scopes: ['messages:append'],
  });
  const commands: BenchService[] = [];
  try {
    const start = async (name: string, env: Record<string, string>) => {
      const command = await fixture.start('command', env, name);
      commands.push(command);
      return command;
    };
    const variants: Record<Credential, Variant> = {
      none: { command: await start('command-auth-none', { AUTH_MODE: 'none' }), headers: {} },
      'api key': {
        command: await start('command-auth-key', credentials.authEnv),
        headers: { authorization: `Bearer ${credentials.apiKey}` },
      },
      jwt: {
        command: await start('command-auth-jwt', credentials.authEnv),
        headers: { authorization: `Bearer ${credentials.jwt}` },
      },
    };
    const rows: Row[] = [];
    for (const concurrency of AUTH_LEVELS) {
      for (let round = 1; round <= ROUNDS; round += 1) {
        for (const credential of ORDER) {
          rows.push({ ...(await measure(settings, concurrency, credential, variants[credential], ids)), round });
        }
      }
    }
    return report(settings, rows);
  } finally {
    await Promise.all(commands.map((c) => c.stop()));
    await credentials.close();
  }
}

async function measure(
  settings: BenchSettings,
  concurrency: number,
  credential: Credential,
  variant: Variant,
  ids: readonly string[],
): Promise<Omit<Row, 'round'>> {
  const loop = { concurrency, warmupMs: settings.warmupMs, durationMs: settings.durationMs };
  log(`append auth: c=${concurrency} ${credential} (${loop.warmupMs} ms warm-up + ${loop.durationMs} ms)`);
  const client = new KeepAliveClient(variant.command.baseUrl, concurrency, variant.headers);
  const append = () =>
    client.expect(201, 'POST', `/v1/conversations/${ids[randomInt(ids.length)]}/messages`, { message: chatMessage() });
  const cpuBefore = variant.command.cpuSeconds();
  let result: ClosedLoopResult;
  try {
    // One append first: a credential the command refuses stops the bench here, not as a table of errors.
    await append();
    result = await runClosedLoop(loop, async () => {
      await append();
    });
  } finally {
    client.close();
  }
  const cpuAfter = variant.command.cpuSeconds();
  const cpu = cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null;
  return {
    concurrency,
    credential,
    result,
    commandCpuMsPerOp: cpu !== null && result.totalOps > 0 ? (cpu / (result.totalOps + 1)) * 1000 : null,
  };
}

/** The mean of a credential's rows (one per round) of a level; none's is what every row of the level is compared with. */
function baseline(rows: readonly Row[], credential: Credential = 'none') {
  const none = rows.filter((r) => r.credential === credential);
  const mean = (value: (r: Row) => number) => none.reduce((sum, r) => sum + value(r), 0) / none.length;
  const cpu = none.every((r) => r.commandCpuMsPerOp !== null) ? mean((r) => r.commandCpuMsPerOp ?? 0) : null;
  return { p50Ms: mean((r) => r.result.latency.p50Ms), p99Ms: mean((r) => r.result.latency.p99Ms), cpuMs: cpu };
}

function report(settings: BenchSettings, rows: Row[]): AuthCost {
  const levels = AUTH_LEVELS.map((concurrency) => {
    const of = rows.filter((r) => r.concurrency === concurrency);
    return { concurrency, rows: of, none: baseline(of) };
  });
  const headers = [
    'c',
    'credential',
    'p50 ms',
    'p99 ms',
    '/s',
    'p50 vs none',
    'p99 vs none',
    'cmd cpu ms',
    'cpu vs none',
  ];
  const table = renderTable(
    headers,
    levels.flatMap((level) =>
      level.rows.map((r) => [
        r.concurrency,
        `${r.credential} #${r.round}`,
        fmt(r.result.latency.p50Ms),
        fmt(r.result.latency.p99Ms),
        Math.round(r.result.throughputPerSec),
        ratio(r.result.latency.p50Ms, level.none.p50Ms),
        ratio(r.result.latency.p99Ms, level.none.p99Ms),
        r.commandCpuMsPerOp === null ? 'n/a' : fmt(r.commandCpuMsPerOp),
        r.commandCpuMsPerOp === null || level.none.cpuMs === null
          ? 'n/a'
          : ratio(r.commandCpuMsPerOp, level.none.cpuMs),
      ]),
    ),
  );
  const notes = [
    `auth: one command instance per credential (none: AUTH_MODE=none; api key, jwt: AUTH_MODE=on), the same ` +
      `build, topic and Redis, tenant ${DEFAULT_TENANT}, scope messages:append; per level back to back in the ` +
      `order of the table, ${settings.warmupMs / 1000} s warm-up + ${settings.durationMs / 1000} s each`,
    `auth: "vs none" = against the mean of the level's ${ROUNDS} none rows; the none rows' own ratios are the ` +
      'drift over the level, and an auth ratio within it is noise, not authentication; the targets take each ' +
      "credential's mean over its rounds",
    'auth: api key = SHA-256 + a lookup cached 5 s (AUTH_KEY_CACHE_MS); jwt = ES256 signature and claims checked ' +
      'once, then trusted for 5 s (VERIFIED_TOKEN_CACHE_MS), against the JWKS of a local identity provider',
    'auth: each credential on a command process of its own, every process measured once per round',
  ];
  for (const r of rows) {
    if (r.result.errors > 0) {
      notes.push(
        `auth: c=${r.concurrency} ${r.credential}: ${r.result.errors} errors, e.g. ${r.result.errorSamples[0]}`,
      );
    }
  }
  const targets = levels.flatMap((level) =>
    (['api key', 'jwt'] as const).map((credential) => ({
      target: `append p50 ${credential}/none, c=${level.concurrency} (mean of ${ROUNDS} rounds)`,
      reached: baseline(level.rows, credential).p50Ms / level.none.p50Ms,
      limit: AUTH_P50_TARGET,
    })),
  );
  return {
    table,
    notes,
    targets,
    data: {
      levels: AUTH_LEVELS,
      order: ORDER,
      tenant: DEFAULT_TENANT,
      p50Target: AUTH_P50_TARGET,
      rows: rows.map((r) => {
        const none = levels.find((l) => l.concurrency === r.concurrency)?.none;
        return {
          ...r,
          p50VsNone: none ? r.result.latency.p50Ms / none.p50Ms : null,
          p99VsNone: none ? r.result.latency.p99Ms / none.p99Ms : null,
        };
      }),
    },
  };
}
