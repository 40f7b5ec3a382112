import { Repository } from 'typeorm';
import { ApiKeyEntity } from '@threadline/persistence';
import { ApiKeyAuthenticator, LAST_USED_INTERVAL_MS } from './api-key-authenticator';
import { generateApiKey, hashApiKey } from './api-key-format';

/** An in-memory stand-in for the two repository calls the authenticator makes, counting them. */
class KeyTable {
  readonly rows = new Map<string, ApiKeyEntity>();
  lookups = 0;
  updates = 0;

  readonly repository = {
    findOneBy: async ({ keyHash }: { keyHash: string }) => {
      this.lookups += 1;
      return this.rows.get(keyHash) ?? null;
    },
    update: async () => {
      this.updates += 1;
      return {};
    },
  } as unknown as Repository<ApiKeyEntity>;

  add(key: string): ApiKeyEntity {
    const row = Object.assign(new ApiKeyEntity(), {
      id: `id-${this.rows.size}`,
      tenantId: 'acme',
      subject: 'service:ingest',
      scopes: ['messages:append', 'retired:scope'],
      keyHash: hashApiKey(key),
      createdAt: new Date(0),
      lastUsedAt: null,
      revokedAt: null,
    });
    this.rows.set(row.keyHash, row);
    return row;
  }
}

describe('ApiKeyAuthenticator', () => {
  let clock = 0;
  let table: KeyTable;
  let authenticator: ApiKeyAuthenticator;
  const status = (credential: string) =>
    authenticator.authenticate(credential).then(
      () => 200,
      (error: { status: number; message: string }) => `${error.status} ${error.message}`,
    );

  beforeEach(() => {
    clock = 1_000_000;
    table = new KeyTable();
    authenticator = new ApiKeyAuthenticator(table.repository, 5000, () => clock);
  });

  it('makes the principal of a known key, keeping only the scopes it knows', async () => {
    const key = generateApiKey();
    table.add(key);
    await expect(authenticator.authenticate(key)).resolves.toEqual({
      tenantId: 'acme',
      subject: 'service:ingest',
      scopes: new Set(['messages:append']),
    });
  });

  it('answers unknown, malformed and revoked keys with 401 saying which', async () => {
    const key = generateApiKey();
    table.add(key).revokedAt = new Date(0);
    expect(await status(generateApiKey())).toBe('401 The API key is unknown');
    expect(await status('tl_nope')).toBe('401 The API key is malformed');
    expect(await status(key)).toBe('401 The API key is revoked');
  });

  it('trusts a lookup, found or not, for the cache time only: a revocation is seen once it has passed', async () => {
    const key = generateApiKey();
    const row = table.add(key);
    expect(await status(key)).toBe(200);
    table.rows.set(row.keyHash, { ...row, revokedAt: new Date(clock) });
    clock += 4999;
    expect(await status(key)).toBe(200);
    clock += 1;
    expect(await status(key)).toBe('401 The API key is revoked');
    const unknown = generateApiKey();
    await status(unknown);
    await status(unknown);
    expect(table.lookups).toBe(3);
  });

  it('makes one query for concurrent requests with a key the cache lacks', async () => {
    const key = generateApiKey();
    table.add(key);
    expect(await Promise.all(Array.from({ length: 50 }, () => status(key)))).toEqual(Array(50).fill(200));
    expect(table.lookups).toBe(1);
    clock += 5000;
    await Promise.all([status(key), status(key)]);
    expect(table.lookups).toBe(2);
  });

  it('records last use at most once a minute per key', async () => {
    const key = generateApiKey();
    table.add(key);
    for (let i = 0; i < 10; i += 1) {
      await status(key);
      clock += 1000;
    }
    expect(table.updates).toBe(1);
    clock += LAST_USED_INTERVAL_MS;
    await status(key);
    expect(table.updates).toBe(2);
  });
});
