/**
 * The command's REST routes with AUTH_MODE=on against a real identity provider's
 * JWKS (a local HTTP server with keys made by jose here) and real API keys in
 * Postgres: every refused attempt gets its documented status and code and
 * changes nothing; rotation needs no restart; a revoked key stops within 5 s.
 */
import { randomUUID } from 'node:crypto';
import { JWTPayload } from 'jose';
import { api, ApiResponse, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { createApiKey, signingKey, SigningKey, TestIdentityProvider, TokenOptions } from '../support/identity-provider';
import { eventually } from '../support/service-process';

const TENANT = 'acme';

const jwks = new TestIdentityProvider();
let stack: CommandStack;
let current: SigningKey;
let rotated: SigningKey;
let rogue: SigningKey;
let adminKey: string;

/** A JWT of the identity provider (or a forgery of it, with the options). */
function token(claims: JWTPayload, options: TokenOptions = {}): Promise<string> {
  return jwks.token({ tenant_id: TENANT, sub: 'user:ada', ...claims }, options);
}

const ALL = 'conversations:read conversations:write messages:append';
const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });

function call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<ApiResponse> {
  return api(stack.baseUrl, method, path, body, undefined, { headers });
}

beforeAll(async () => {
  const jwksUrl = await jwks.start();
  current = jwks.current;
  [rotated, rogue] = await Promise.all([signingKey('k2'), signingKey(current.kid)]);
  stack = new CommandStack('rest-auth', 1, { ...jwks.authEnv(jwksUrl), AUTH_KEY_CACHE_MS: '5000' });
  await stack.start();
  adminKey = createApiKey(stack.env, TENANT, 'service:admin', ['admin']).key;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await jwks.stop();
});

describe('REST authentication (AUTH_MODE=on)', () => {
  const conversation = `auth-${randomUUID()}`;
  const other = `auth-other-${randomUUID()}`;
  let full: Record<string, string>;

  /** The conversation's version and newest messages, read with a valid token. */
  async function state(): Promise<unknown> {
    const record = await call('GET', `/v1/conversations/${conversation}`, full);
    const tail = await call('GET', `/v1/conversations/${conversation}/tail`, full);
    expect([record.status, tail.status]).toEqual([200, 200]);
    return { version: record.body.version, tail: tail.body };
  }

  async function adminKeyCount(): Promise<number> {
    const list = await call('GET', `/v1/admin/api-keys?tenant_id=${TENANT}`, bearer(adminKey));
    expect(list.status).toBe(200);
    return (list.body.api_keys as unknown[]).length;
  }

  beforeAll(async () => {
    full = bearer(await token({ scope: ALL }));
    for (const id of [conversation, other]) {
      expect((await call('PUT', `/v1/conversations/${id}`, full, {})).status).toBe(200);
    }
    const first = await call('POST', `/v1/conversations/${conversation}/messages`, full, {
      message: textMessage('hi'),
    });
    expect(first.status).toBe(201);
  });

  it('lets a valid token with the scopes in, and leaves /health open', async () => {
    expect((await call('GET', `/v1/conversations/${conversation}/messages`, full)).status).toBe(200);
    expect((await api(stack.baseUrl, 'GET', '/health/ready')).status).toBe(200);
  });

  it.each(['/V1/conversations', '/v1/Conversations', '/V1/ADMIN/API-KEYS'])(
    'asks for a credential on %s, a /v1 route spelled in other letter case',
    async (path) => {
      const res = await call('GET', path, {});
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'unauthorized' });
    },
  );

  interface Attempt {
    name: string;
    headers: () => Promise<Record<string, string>>;
    status: number;
    code: string;
    challenge?: string;
  }

  const invalid = 'Bearer error="invalid_token"';
  const attempts: Attempt[] = [
    { name: 'no credential', headers: async () => ({}), status: 401, code: 'unauthorized', challenge: 'Bearer' },
    {
      name: 'a header that is not Bearer',
      headers: async () => ({ authorization: 'Basic dXNlcjpwYXNz' }),
      status: 401,
      code: 'unauthorized',
      challenge: invalid,
    },
    {
      name: 'a malformed token',
      headers: async () => bearer('not-a-jwt'),
      status: 401,
      code: 'unauthorized',
      challenge: invalid,
    },
    {
      name: 'a bad signature (another key under the served kid)',
      headers: async () => bearer(await token({ scope: ALL }, { key: rogue })),
      status: 401,
      code: 'unauthorized',
      challenge: invalid,
    },
    {
      name: 'an expired token (beyond the leeway)',
      headers: async () => bearer(await token({ scope: ALL }, { expiresInS: -120 })),
      status: 401,
      code: 'unauthorized',
      challenge: invalid,
    },
    {
      name: 'a wrong audience',
      headers: async () => bearer(await token({ scope: ALL }, { audience: 'someone-else' })),
      status: 401,
      code: 'unauthorized',
      challenge: invalid,
    },
    {
      name: 'a wrong issuer',
      headers: async () => bearer(await token({ scope: ALL }, { issuer: 'https://evil.test/' })),
      status: 401,
      code: 'unauthorized',
      challenge: invalid,
    },
    {
      name: 'an unknown kid',
      headers: async () => bearer(await token({ scope: ALL }, { key: rogue, kid: 'nobody' })),
      status: 401,
      code: 'unauthorized',
      challenge: invalid,
    },
    {
      name: 'no kid',
      headers: async () => bearer(await token({ scope: ALL }, { kid: null })),
      status: 401,
      code: 'unauthorized',
      challenge: invalid,
    },
    {
      name: 'an unknown API key',
      headers: async () => bearer(`tl_${'A'.repeat(43)}`),
      status: 401,
      code: 'unauthorized',
      challenge: invalid,
    },
    {
      name: 'a token without messages:append',
      headers: async () => bearer(await token({ scope: 'conversations:read conversations:write' })),
      status: 403,
      code: 'forbidden_scope',
    },
    {
      name: 'a token pinned to another conversation',
      headers: async () => bearer(await token({ scope: ALL, conversation_id: other })),
      status: 403,
      code: 'forbidden_conversation',
    },
  ];

  it.each(attempts)('refuses an append with $name: $status $code, and nothing changes', async (attempt) => {
    const before = await state();
    const res = await call('POST', `/v1/conversations/${conversation}/messages`, await attempt.headers(), {
      message: textMessage('must not land'),
    });
    expect({ status: res.status, code: res.body.error }).toEqual({ status: attempt.status, code: attempt.code });
    expect(typeof res.body.message).toBe('string');
    if (attempt.challenge !== undefined) {
      expect(res.headers.get('www-authenticate')).toBe(attempt.challenge);
    }
    expect(await state()).toEqual(before);
  });

  it.each([
    ['PUT', 'conversations:read', 403, 'forbidden_scope'],
    ['DELETE', 'conversations:read', 403, 'forbidden_scope'],
    ['GET', 'messages:append', 403, 'forbidden_scope'],
  ])('refuses %s on a conversation to a token with only %s', async (method, scope, status, code) => {
    const before = await state();
    const headers = bearer(await token({ scope }));
    const res = await call(method, `/v1/conversations/${conversation}`, headers, method === 'PUT' ? {} : undefined);
    expect({ status: res.status, code: res.body.error }).toEqual({ status, code });
    expect(await state()).toEqual(before);
  });

  it('lets a pinned token use its own conversation only', async () => {
    const pinned = bearer(await token({ scope: ALL, conversation_id: conversation }));
    expect((await call('GET', `/v1/conversations/${conversation}/tail`, pinned)).status).toBe(200);
    const res = await call('GET', `/v1/conversations/${other}/tail`, pinned);
    expect({ status: res.status, code: res.body.error }).toEqual({ status: 403, code: 'forbidden_conversation' });
  });

  it('refuses the admin routes without the admin scope, and to a pinned admin token; no key is created', async () => {
    const before = await adminKeyCount();
    const request = { tenant_id: TENANT, subject: 'service:sneaky', scopes: ['admin'] };
    const refusals = [
      [bearer(await token({ scope: ALL })), 403, 'forbidden_scope'],
      [bearer(await token({ scope: 'admin', conversation_id: conversation })), 403, 'forbidden_conversation'],
      [{}, 401, 'unauthorized'],
    ] as const;
    for (const [headers, status, code] of refusals) {
      const created = await call('POST', '/v1/admin/api-keys', headers, request);
      const listed = await call('GET', `/v1/admin/api-keys?tenant_id=${TENANT}`, headers);
      const revoked = await call('DELETE', `/v1/admin/api-keys/${randomUUID()}`, headers);
      for (const res of [created, listed, revoked]) {
        expect({ status: res.status, code: res.body.error }).toEqual({ status, code });
      }
    }
    expect(await adminKeyCount()).toBe(before);
  });

  it('accepts a rotated key once the JWKS serves it, without a restart; the old key keeps working while served', async () => {
    const oldToken = bearer(await token({ scope: ALL }));
    const newToken = bearer(await token({ scope: ALL }, { key: rotated }));
    const before = await call('GET', `/v1/conversations/${conversation}`, newToken);
    expect({ status: before.status, code: before.body.error }).toEqual({ status: 401, code: 'unauthorized' });
    jwks.served = [current, rotated];
    await eventually(
      'the rotated key accepted',
      async () => (await call('GET', `/v1/conversations/${conversation}`, newToken)).status === 200,
      15_000,
      250,
    );
    expect((await call('GET', `/v1/conversations/${conversation}`, oldToken)).status).toBe(200);
  });
});

describe('API keys', () => {
  const conversation = `keys-${randomUUID()}`;
  const admin = () => bearer(adminKey);

  it('are created (the key shown once), listed without the key, used, and revoked: refused within 5 s after', async () => {
    const created = await call('POST', '/v1/admin/api-keys', admin(), {
      tenant_id: TENANT,
      subject: 'agent:ingest',
      scopes: ['conversations:write', 'messages:append', 'conversations:read'],
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['created_at', 'id', 'key', 'scopes', 'subject', 'tenant_id']);
    expect(created.body).toMatchObject({ tenant_id: TENANT, subject: 'agent:ingest' });
    const key = created.body.key as string;
    expect(key).toMatch(/^tl_[A-Za-z0-9_-]{43}$/);

    const listed = await call('GET', `/v1/admin/api-keys?tenant_id=${TENANT}`, admin());
    const entry = (listed.body.api_keys as Record<string, unknown>[]).find((k) => k.id === created.body.id);
    expect(entry).toMatchObject({ subject: 'agent:ingest', revoked_at: null });
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(Object.keys(entry!)).not.toEqual(expect.arrayContaining(['key']));
    expect(Object.keys(entry!)).not.toEqual(expect.arrayContaining(['key_hash']));

    const own = bearer(key);
    expect((await call('PUT', `/v1/conversations/${conversation}`, own, {})).status).toBe(200);
    const appended = await call('POST', `/v1/conversations/${conversation}/messages`, own, {
      message: textMessage('from a key'),
    });
    expect(appended.status).toBe(201);

    expect((await call('DELETE', `/v1/admin/api-keys/${created.body.id as string}`, admin())).status).toBe(204);
    const revokedAt = Date.now();
    expect((await call('DELETE', `/v1/admin/api-keys/${created.body.id as string}`, admin())).status).toBe(204);
    const refused = await eventually(
      'the revoked key refused',
      async () => {
        const res = await call('GET', `/v1/conversations/${conversation}`, own);
        return res.status === 401 ? res : undefined;
      },
      10_000,
      100,
    );
    expect(Date.now() - revokedAt).toBeLessThan(5000 + 1000);
    expect(refused.body).toMatchObject({ error: 'unauthorized', message: 'The API key is revoked' });
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');

    const after = await call('POST', `/v1/conversations/${conversation}/messages`, own, { message: textMessage('x') });
    expect(after.status).toBe(401);
    const tail = await call('GET', `/v1/conversations/${conversation}/tail`, bearer(await token({ scope: ALL })));
    expect(tail.body.messages).toHaveLength(1);
  });

  it('answers 404 not_found when revoking a key that does not exist', async () => {
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const res = await call('DELETE', `/v1/admin/api-keys/${id}`, admin());
      expect({ status: res.status, code: res.body.error }).toEqual({ status: 404, code: 'not_found' });
    }
  });

  it.each([
    [{ subject: 'ingest' }, /^subject: must be <user\|agent\|service>:<id>/],
    [{ scopes: ['conversations:read', 'billing:read'] }, /^scopes\.1: must be one of /],
    [{ scopes: [] }, /^scopes: must name at least one scope/],
    [{ tenant_id: 'Bad/Tenant' }, /^tenant_id: /],
  ])('refuses to create a key with %j: 400 naming the field', async (change, message) => {
    const request = { tenant_id: TENANT, subject: 'service:x', scopes: ['conversations:read'], ...change };
    const res = await call('POST', '/v1/admin/api-keys', admin(), request);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('bad_request');
    expect(res.body.message).toMatch(message);
  });

  it('lists only with a tenant_id', async () => {
    const res = await call('GET', '/v1/admin/api-keys', admin());
    expect({ status: res.status, code: res.body.error }).toEqual({ status: 400, code: 'invalid_query' });
    expect(res.body.message).toMatch(/^tenant_id: /);
  });
});
