import { setTimeout as sleep } from 'node:timers/promises';
import { ConversationRef } from '@threadline/contracts';
import { ApiError } from '@threadline/errors';
import { CommandConfig } from '../config/command.config';
import { AppendDecision, HeadIndexService } from '../head-index/head-index.service';
import { TenantLimitTable, TenantOverrides } from './tenant-limits';
import { TenantRateLimiter } from './tenant-rate-limiter';
import { mediumRedis } from '../../../../test/support/medium-redis';
import { TEST_REDIS_URL } from '../../../../test/support/test-env';

/*
 * The token buckets as the head index's append script takes them, against the real Redis of the
 * local stack, one key prefix per test (the index trusted at epoch 1).
 */
const DEFAULTS = { appendsPerSecond: 5, appendBytesPerSecond: 10_000, conversations: 10 };

const medium = mediumRedis();
const redis = medium.client;
let prefix: string;

beforeEach(async () => {
  prefix = medium.prefix();
  await redis.set(`${prefix}:index-epoch`, '1');
});

/** The limiter and the head index of one command instance. */
function limiter(overrides: TenantOverrides = {}) {
  const config = {
    redis: { url: TEST_REDIS_URL, keyPrefix: prefix },
    tenantLimits: new TenantLimitTable(DEFAULTS, overrides),
  } as CommandConfig;
  const rateLimiter = new TenantRateLimiter(config);
  const index = new HeadIndexService(redis, config);
  return {
    index,
    /** One append of `bytes` to the tenant's c1, decided with its charge; rejects with the 429 when refused. */
    async takeAppend(tenantId: string, bytes: number): Promise<AppendDecision> {
      const conversation: ConversationRef = { tenantId, conversationId: 'c1' };
      const decision = await index.decideAppend({
        conversation,
        ifVersion: null,
        pairField: null,
        contentHash: 'h',
        pairChecked: false,
        charge: rateLimiter.chargeFor(tenantId, bytes),
      });
      if (decision.kind === 'rate_limited') {
        throw rateLimiter.refusal(tenantId, decision.waitMs);
      }
      return decision;
    },
  };
}

type Limiter = ReturnType<typeof limiter>;

async function refusal(attempt: Promise<unknown>): Promise<ApiError> {
  const error = await attempt.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ApiError)) {
    throw new Error(`expected an ApiError, got ${String(error)}`);
  }
  return error;
}

async function takeMany(rateLimiter: Limiter, tenant: string, count: number, bytes = 100): Promise<number> {
  let accepted = 0;
  for (let i = 0; i < count; i++) {
    await rateLimiter.takeAppend(tenant, bytes).then(
      () => (accepted += 1),
      (error: unknown) => {
        if (!(error instanceof ApiError)) {
          throw error;
        }
      },
    );
  }
  return accepted;
}

describe('tenant append buckets in the append script (real Redis)', () => {
  it('lets a burst of one second of appends through, then refuses with 429 rate_limited and Retry-After', async () => {
    const rateLimiter = limiter();
    expect(await takeMany(rateLimiter, 'acme', 5)).toBe(5);
    const error = await refusal(rateLimiter.takeAppend('acme', 100));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limited');
    expect(Number(error.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(error.extra.retry_after_ms).toBeGreaterThan(0);
    expect(error.extra.retry_after_ms).toBeLessThanOrEqual(200);
  });

  it('refuses an append over the byte budget without spending an append token', async () => {
    const rateLimiter = limiter();
    expect(await takeMany(rateLimiter, 'acme', 1, 9_000)).toBe(1);
    const error = await refusal(rateLimiter.takeAppend('acme', 5_000));
    expect(error.code).toBe('rate_limited');
    expect(await takeMany(rateLimiter, 'acme', 4, 100)).toBe(4);
  });

  it('keeps each tenant in buckets of its own', async () => {
    const rateLimiter = limiter();
    expect(await takeMany(rateLimiter, 'acme', 6)).toBe(5);
    expect(await takeMany(rateLimiter, 'globex', 5)).toBe(5);
  });

  it('refills at the rate: after the Retry-After it names, an append passes again', async () => {
    const rateLimiter = limiter();
    await takeMany(rateLimiter, 'acme', 5);
    const error = await refusal(rateLimiter.takeAppend('acme', 100));
    await sleep(Number(error.extra.retry_after_ms) + 20);
    await expect(rateLimiter.takeAppend('acme', 100)).resolves.toEqual({ kind: 'missing' });
  });

  it("applies a tenant's override and leaves the others on the defaults", async () => {
    const rateLimiter = limiter({ acme: { appends_per_s: 20 } });
    expect(await takeMany(rateLimiter, 'acme', 25)).toBe(20);
    expect(await takeMany(rateLimiter, 'globex', 25)).toBe(5);
  });

  it('counts appends from many instances against one budget', async () => {
    const instances = [limiter(), limiter(), limiter()];
    const results = await Promise.all(instances.map((instance) => takeMany(instance, 'acme', 4)));
    expect(results.reduce((sum, accepted) => sum + accepted, 0)).toBe(5);
  });

  it('decides nothing for a refused append: the seqs of the appends it let through stay consecutive', async () => {
    const rateLimiter = limiter();
    const created = await rateLimiter.index.create({ tenantId: 'acme', conversationId: 'c1' }, {}, []);
    if (created.kind !== 'ok') throw new Error('index not trusted');
    await rateLimiter.index.confirmCreate({ tenantId: 'acme', conversationId: 'c1' }, created.epoch);
    const seqs = [];
    for (let i = 0; i < 5; i++) {
      seqs.push(await rateLimiter.takeAppend('acme', 100));
    }
    const error = await refusal(rateLimiter.takeAppend('acme', 100));
    await sleep(Number(error.extra.retry_after_ms) + 20);
    seqs.push(await rateLimiter.takeAppend('acme', 100));
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6].map((seq) => ({ kind: 'reserved', seq, epoch: 1 })));
  });
});
