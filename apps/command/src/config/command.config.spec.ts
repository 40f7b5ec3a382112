import { randomBytes } from 'node:crypto';
import { commandConfigSchema, minimumHoleGraceMs } from './command.config';

const AGENT_SECRETS_KEY = randomBytes(32).toString('base64');
const parse = (env: Record<string, string>) =>
  commandConfigSchema.safeParse({ AUTH_MODE: 'none', AGENT_SECRETS_KEY, ...env });
const holeGraceIssues = (env: Record<string, string>) => {
  const result = parse(env);
  return result.success ? [] : result.error.issues.filter((issue) => issue.path.join('.') === 'HOLE_GRACE_MS');
};

describe('command config: HOLE_GRACE_MS', () => {
  const ackTimeouts = [1000, 2000, 5000, 60_000];

  it.each(ackTimeouts)('accepts HOLE_GRACE_MS at the minimum for APPEND_ACK_TIMEOUT_MS=%d', (ack) => {
    const env = { APPEND_ACK_TIMEOUT_MS: String(ack), HOLE_GRACE_MS: String(minimumHoleGraceMs(ack)) };
    expect(parse(env).success).toBe(true);
  });

  it.each(ackTimeouts)('refuses HOLE_GRACE_MS one ms below the minimum for APPEND_ACK_TIMEOUT_MS=%d', (ack) => {
    const env = { APPEND_ACK_TIMEOUT_MS: String(ack), HOLE_GRACE_MS: String(minimumHoleGraceMs(ack) - 1) };
    expect(holeGraceIssues(env)).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^must be at least /) as string }),
    ]);
  });

  it('never lets a hole be tombstoned before an append reserved for it could still be acknowledged', () => {
    for (let ack = 100; ack <= 60_000; ack += 100) {
      expect(minimumHoleGraceMs(ack)).toBeGreaterThan(ack);
    }
  });

  it('accepts its defaults as they are', () => {
    expect(parse({}).success).toBe(true);
  });
});

describe('command config: per-tenant limits', () => {
  const issuesAt = (env: Record<string, string>, path: string) => {
    const result = parse(env);
    return result.success ? [] : result.error.issues.filter((issue) => issue.path[0] === path);
  };

  it('reads LIMIT_TENANT_OVERRIDES as JSON of tenant ids to limits, with the defaults underneath', () => {
    const result = parse({ LIMIT_TENANT_APPENDS_PER_S: '7', LIMIT_TENANT_OVERRIDES: '{"acme":{"conversations":3}}' });
    expect(result.success && result.data.tenantLimits.for('acme')).toEqual(
      expect.objectContaining({ appendsPerSecond: 7, conversations: 3 }),
    );
  });

  it.each([
    ['not JSON', '{acme'],
    ['a key that is not a tenant id', '{"Acme Corp":{"conversations":3}}'],
    ['an unknown limit', '{"acme":{"messages":3}}'],
    ['a limit below 1', '{"acme":{"appends_per_s":0}}'],
  ])('refuses LIMIT_TENANT_OVERRIDES with %s', (_case, value) => {
    expect(issuesAt({ LIMIT_TENANT_OVERRIDES: value }, 'LIMIT_TENANT_OVERRIDES').length).toBeGreaterThan(0);
  });

  it('refuses a byte budget, default or override, too small for one largest message', () => {
    const small = String(256 * 1024);
    expect(issuesAt({ LIMIT_TENANT_APPEND_BYTES_PER_S: small }, 'LIMIT_TENANT_APPEND_BYTES_PER_S')).toHaveLength(1);
    const override = JSON.stringify({ acme: { append_bytes_per_s: 256 * 1024 } });
    expect(issuesAt({ LIMIT_TENANT_OVERRIDES: override }, 'LIMIT_TENANT_APPEND_BYTES_PER_S')).toHaveLength(1);
  });
});

describe('command config: agents', () => {
  it('refuses to start without AGENT_SECRETS_KEY, or with one that is not 32 bytes of base64', () => {
    for (const key of [undefined, '', 'c2hvcnQ=', `${AGENT_SECRETS_KEY}x`]) {
      const result = commandConfigSchema.safeParse({ AUTH_MODE: 'none', AGENT_SECRETS_KEY: key });
      expect(result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'))).toEqual([
        'AGENT_SECRETS_KEY',
      ]);
    }
  });

  it('keeps a rotated-out signing secret for a day unless AGENT_SECRET_GRACE_S says otherwise', () => {
    expect(parse({}).data?.agents).toEqual({ secretsKey: AGENT_SECRETS_KEY, secretGraceS: 86_400 });
    expect(parse({ AGENT_SECRET_GRACE_S: '0' }).data?.agents.secretGraceS).toBe(0);
    expect(parse({ AGENT_SECRET_GRACE_S: '-1' }).success).toBe(false);
  });
});

describe('command config: runs', () => {
  it('defaults to a 60 s idle timeout, 500 events or 256 KiB per batch, 100,000 events per run, a 5 s commit wait', () => {
    const result = parse({});
    expect(result.success && result.data.runs).toEqual({
      idleTimeoutMs: 60_000,
      maxBatchEvents: 500,
      maxBatchBytes: 256 * 1024,
      maxEvents: 100_000,
      commitWaitMs: 5000,
    });
  });

  it('refuses a value out of range, naming the key', () => {
    const result = parse({ RUN_MAX_BATCH_EVENTS: '0' });
    expect(result.success).toBe(false);
    expect(result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'))).toEqual([
      'RUN_MAX_BATCH_EVENTS',
    ]);
  });
});

describe('command config: the console and its overview', () => {
  const loaded = (env: Record<string, string>) => {
    const result = parse(env);
    if (!result.success) {
      throw new Error(result.error.message);
    }
    return result.data;
  };

  it('gives the page realtime’s public URL without a trailing slash, and refuses one that is not http(s)', () => {
    expect(loaded({ REALTIME_PUBLIC_URL: 'https://rt.example/' }).console.realtimePublicUrl).toBe('https://rt.example');
    expect(parse({ REALTIME_PUBLIC_URL: 'ftp://rt.example' }).success).toBe(false);
  });

  it('reads OVERVIEW_METRICS_URLS as name=url pairs, and refuses a malformed or repeated pair', () => {
    expect(
      loaded({ OVERVIEW_METRICS_URLS: 'projector=http://p:4002/metrics, dispatcher=http://d:4004/metrics' }).overview,
    ).toEqual({ metricsUrls: { projector: 'http://p:4002/metrics', dispatcher: 'http://d:4004/metrics' } });
    expect(loaded({ OVERVIEW_METRICS_URLS: '' }).overview).toEqual({ metricsUrls: {} });
    for (const bad of ['projector', 'projector=not-a-url', 'a=http://x/metrics,a=http://y/metrics']) {
      expect(parse({ OVERVIEW_METRICS_URLS: bad }).success).toBe(false);
    }
  });
});
