/**
 * The agents registry through a real command with AUTH_MODE=on: create, list,
 * get, patch, disable and rotate-secret in the caller's tenant; the signing secret
 * is shown once and sealed at rest; bad input is a 400 naming the field that
 * writes nothing; without agents:manage it is 403; another tenant's agent is 404
 * and absent from the list.
 */
import { randomBytes } from 'node:crypto';
import { SecretBox } from '@threadline/auth';
import { api, ApiResponse } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { TestIdentityProvider } from '../support/identity-provider';
import { db } from '../archiver/support';

const idp = new TestIdentityProvider();
const run = randomBytes(4).toString('hex');
const TENANT = `agents-${run}`;
const OTHER = `agents-other-${run}`;
let stack: CommandStack;
const tokens = new Map<string, string>();

type Body = Record<string, unknown>;
const call = (who: string, method: string, path: string, body?: unknown): Promise<ApiResponse<Body>> =>
  api(stack.baseUrl, method, path, body, undefined, { headers: { authorization: `Bearer ${tokens.get(who)}` } });

const agentRow = async (tenant: string, id: string) =>
  (await db.query<Body>('SELECT * FROM agents WHERE tenant_id = $1 AND id = $2', [tenant, id])).rows[0];

beforeAll(async () => {
  const jwksUrl = await idp.start();
  stack = new CommandStack('agents-registry', 1, idp.authEnv(jwksUrl));
  tokens.set('manager', await idp.token({ tenant_id: TENANT, sub: 'user:ops', scope: 'agents:manage' }));
  tokens.set('other', await idp.token({ tenant_id: OTHER, sub: 'user:ops', scope: 'agents:manage' }));
  tokens.set(
    'writer',
    await idp.token({ tenant_id: TENANT, sub: 'user:ada', scope: 'conversations:write messages:append' }),
  );
  await stack.start();
});

afterAll(async () => {
  await stack.stop();
  await idp.stop();
  await db.end();
});

describe('agents registry', () => {
  it('creates an agent with the documented defaults and shows its signing secret once', async () => {
    const created = await call('manager', 'POST', '/v1/agents', {
      id: 'planner',
      webhook_url: 'https://agents.example/planner',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'planner',
      name: null,
      webhook_url: 'https://agents.example/planner',
      headers: {},
      timeout_ms: 10_000,
      max_attempts: 8,
      history: { mode: 'none' },
      debounce_ms: 0,
      status: 'enabled',
      previous_secret_expires_at: null,
    });
    const secret = created.body.signing_secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const fetched = await call('manager', 'GET', '/v1/agents/planner');
    expect(fetched.status).toBe(200);
    expect(fetched.body).not.toHaveProperty('signing_secret');
    expect(JSON.stringify(fetched.body)).not.toContain(secret.slice(6));

    const row = await agentRow(TENANT, 'planner');
    expect(row.signing_secret).not.toContain(secret.slice(6));
    expect(new SecretBox(stack.env.AGENT_SECRETS_KEY).open(row.signing_secret as string)).toBe(secret);
  });

  it('answers 409 agent_exists for a taken id and leaves the agent as it was', async () => {
    const again = await call('manager', 'POST', '/v1/agents', { id: 'planner', webhook_url: 'http://elsewhere' });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('agent_exists');
    expect((await agentRow(TENANT, 'planner')).webhook_url).toBe('https://agents.example/planner');
  });

  it.each([
    ['a non-http(s) URL', { id: 'bad-url', webhook_url: 'ftp://agents.example' }, 'webhook_url'],
    [
      'a URL over 2048 characters',
      { id: 'bad-url', webhook_url: `https://a.example/${'x'.repeat(2048)}` },
      'webhook_url',
    ],
    ['an unknown field', { id: 'bad-url', webhook_url: 'https://a.example', colour: 'red' }, 'colour'],
    ['timeout_ms below 100', { id: 'bad-url', webhook_url: 'https://a.example', timeout_ms: 99 }, 'timeout_ms'],
    ['max_attempts above 20', { id: 'bad-url', webhook_url: 'https://a.example', max_attempts: 21 }, 'max_attempts'],
    [
      'debounce_ms above 10000',
      { id: 'bad-url', webhook_url: 'https://a.example', debounce_ms: 10_001 },
      'debounce_ms',
    ],
    [
      'a tail limit above 100',
      { id: 'bad-url', webhook_url: 'https://a.example', history: { mode: 'tail', limit: 101 } },
      'history.limit',
    ],
    [
      'a limit on mode entire',
      { id: 'bad-url', webhook_url: 'https://a.example', history: { mode: 'entire', limit: 5 } },
      'history.limit',
    ],
    [
      'a header the dispatcher sets',
      { id: 'bad-url', webhook_url: 'https://a.example', headers: { 'Webhook-Signature': 'x' } },
      'Webhook-Signature',
    ],
    [
      'a header value with a line break',
      { id: 'bad-url', webhook_url: 'https://a.example', headers: { 'x-a': 'line\r\nbreak' } },
      'headers.x-a',
    ],
    ['an id with a space', { id: 'bad id', webhook_url: 'https://a.example' }, 'id'],
    ['a name over 200 characters', { id: 'bad-url', webhook_url: 'https://a.example', name: 'n'.repeat(201) }, 'name'],
  ])('refuses %s with a 400 naming the field, and stores nothing', async (_label, body, field) => {
    const refused = await call('manager', 'POST', '/v1/agents', body);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('bad_request');
    expect(refused.body.message).toContain(field);
    expect(await agentRow(TENANT, body.id)).toBeUndefined();
  });

  it('refuses more than 20 headers', async () => {
    const headers = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-h${i}`, 'v']));
    const refused = await call('manager', 'POST', '/v1/agents', { id: 'many', webhook_url: 'http://a', headers });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('headers');
  });

  it('patches any field but id, with the same validation', async () => {
    const patched = await call('manager', 'PATCH', '/v1/agents/planner', {
      name: 'Planner',
      headers: { authorization: 'Bearer receiver-token' },
      history: { mode: 'tail' },
      debounce_ms: 250,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id: 'planner',
      name: 'Planner',
      headers: { authorization: 'Bearer receiver-token' },
      history: { mode: 'tail', limit: 20 },
      debounce_ms: 250,
      webhook_url: 'https://agents.example/planner',
    });
    expect(patched.body).not.toHaveProperty('signing_secret');

    const renamed = await call('manager', 'PATCH', '/v1/agents/planner', { id: 'other' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.message).toContain('id');
    const bad = await call('manager', 'PATCH', '/v1/agents/planner', { timeout_ms: 30_001, name: 'Changed' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('timeout_ms');
    expect((await agentRow(TENANT, 'planner')).name).toBe('Planner');
  });

  it('rotates the secret: the new one is shown once, the old one keeps signing for the grace period', async () => {
    const before = await agentRow(TENANT, 'planner');
    const box = new SecretBox(stack.env.AGENT_SECRETS_KEY);
    const rotated = await call('manager', 'POST', '/v1/agents/planner/rotate-secret');
    expect(rotated.status).toBe(200);
    const secret = rotated.body.signing_secret as string;
    expect(secret).toMatch(/^whsec_/);
    const expiresAt = Date.parse(rotated.body.previous_secret_expires_at as string);
    expect(expiresAt - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(86_400_000);

    const after = await agentRow(TENANT, 'planner');
    expect(box.open(after.signing_secret as string)).toBe(secret);
    expect(box.open(after.previous_signing_secret as string)).toBe(box.open(before.signing_secret as string));
    expect((await call('manager', 'GET', '/v1/agents/planner')).body).not.toHaveProperty('signing_secret');
  });

  it('lists the tenant’s agents ordered by id, a page at a time', async () => {
    for (const id of ['b-agent', 'a-agent', 'c-agent']) {
      expect((await call('manager', 'POST', '/v1/agents', { id, webhook_url: 'http://127.0.0.1:1/' })).status).toBe(
        201,
      );
    }
    const first = await call('manager', 'GET', '/v1/agents?limit=2');
    expect(first.status).toBe(200);
    const ids = (page: ApiResponse<Body>) => (page.body.agents as Body[]).map((a) => a.id);
    expect(ids(first)).toEqual(['a-agent', 'b-agent']);
    expect(first.body.next_cursor).toBe('b-agent');
    const second = await call('manager', 'GET', `/v1/agents?limit=2&cursor=${first.body.next_cursor as string}`);
    expect(ids(second)).toEqual(['c-agent', 'planner']);
    expect(second.body.next_cursor).toBeNull();
    expect(JSON.stringify(second.body)).not.toContain('whsec_');
    expect((await call('manager', 'GET', '/v1/agents?limit=0')).body.error).toBe('invalid_query');
  });

  it('DELETE disables the agent (204, again 204) and keeps it', async () => {
    expect((await call('manager', 'DELETE', '/v1/agents/c-agent')).status).toBe(204);
    expect((await call('manager', 'DELETE', '/v1/agents/c-agent')).status).toBe(204);
    const fetched = await call('manager', 'GET', '/v1/agents/c-agent');
    expect(fetched.status).toBe(200);
    expect(fetched.body.status).toBe('disabled');
  });

  it('refuses a credential without agents:manage with 403 forbidden_scope', async () => {
    for (const [method, path] of [
      ['GET', '/v1/agents'],
      ['POST', '/v1/agents'],
      ['GET', '/v1/agents/planner'],
      ['PATCH', '/v1/agents/planner'],
      ['DELETE', '/v1/agents/planner'],
      ['POST', '/v1/agents/planner/rotate-secret'],
    ]) {
      const refused = await call('writer', method, path, method === 'GET' ? undefined : {});
      expect([method, path, refused.status, refused.body.error]).toEqual([method, path, 403, 'forbidden_scope']);
    }
    expect((await agentRow(TENANT, 'planner')).status).toBe('enabled');
  });

  it('never shows or changes another tenant’s agent: 404 not_found, absent from its list', async () => {
    const listed = await call('other', 'GET', '/v1/agents');
    expect(listed.body.agents).toEqual([]);
    for (const [method, path, body] of [
      ['GET', '/v1/agents/planner', undefined],
      ['PATCH', '/v1/agents/planner', { name: 'stolen' }],
      ['DELETE', '/v1/agents/planner', undefined],
      ['POST', '/v1/agents/planner/rotate-secret', undefined],
    ] as const) {
      const refused = await call('other', method, path, body);
      expect([method, path, refused.status, refused.body.error]).toEqual([method, path, 404, 'not_found']);
    }
    const mine = await agentRow(TENANT, 'planner');
    expect(mine).toMatchObject({ name: 'Planner', status: 'enabled' });

    const same = await call('other', 'POST', '/v1/agents', { id: 'planner', webhook_url: 'https://other.example' });
    expect(same.status).toBe(201);
    expect((await call('manager', 'GET', '/v1/agents/planner')).body.webhook_url).toBe(
      'https://agents.example/planner',
    );
  });
});
