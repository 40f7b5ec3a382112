import { randomBytes } from 'node:crypto';
import { api, ApiResponse, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { eventually } from '../support/service-process';
import { createApiKey } from '../support/identity-provider';

/*
 * A tenant's append budget is shared by every command instance: two instances
 * hammered at once accept what one bucket allows (a second's burst plus the rate
 * over the run), within 10 %, and refuse the rest with 429 rate_limited. A
 * tenant's conversation count stops at its limit. Each test's tenant is fresh.
 */
const RATE = 10;
const RUN_MS = 3000;
const CLIENTS_PER_INSTANCE = 6;
const run = randomBytes(4).toString('hex');
const conversation = (i: number) => `limited-${run}-${i}`;
const RATE_TENANT = `rate-${run}`;
const QUOTA_TENANT = `quota-${run}`;
const QUOTA = 2;

const stack = new CommandStack('tenant-rate-limit', 2, {
  AUTH_MODE: 'on',
  LIMIT_TENANT_APPENDS_PER_S: String(RATE),
  LIMIT_TENANT_OVERRIDES: JSON.stringify({ [QUOTA_TENANT]: { conversations: QUOTA } }),
});
const headers: Record<string, Record<string, string>> = {};
const scopes = ['conversations:read', 'conversations:write', 'messages:append'];

function call(baseUrl: string, tenant: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return api(baseUrl, method, path, body, undefined, { headers: headers[tenant] });
}

beforeAll(async () => {
  await stack.start();
  for (const tenant of [RATE_TENANT, QUOTA_TENANT]) {
    headers[tenant] = { authorization: `Bearer ${createApiKey(stack.env, tenant, 'service:load', scopes).key}` };
  }
  for (const [i, command] of stack.commands.entries()) {
    expect((await call(command.baseUrl, RATE_TENANT, 'PUT', `/v1/conversations/${conversation(i)}`, {})).status).toBe(
      200,
    );
  }
}, 120_000);
afterAll(async () => {
  await stack.stop();
});

interface Tally {
  accepted: number;
  refused: number;
  other: number[];
  retryAfter: Set<string | null>;
}

async function hammer(baseUrl: string, conversationId: string, until: number, tally: Tally): Promise<void> {
  while (Date.now() < until) {
    const res = await call(baseUrl, RATE_TENANT, 'POST', `/v1/conversations/${conversationId}/messages`, {
      message: textMessage('over budget?'),
    });
    if (res.status === 201) {
      tally.accepted += 1;
    } else if (res.status === 429 && res.body.error === 'rate_limited') {
      tally.refused += 1;
      tally.retryAfter.add(res.headers.get('retry-after'));
    } else {
      tally.other.push(res.status);
    }
  }
}

it('accepts appends across two command instances within 10% of the tenant budget and refuses the rest with 429', async () => {
  const tally: Tally = { accepted: 0, refused: 0, other: [], retryAfter: new Set() };
  const started = Date.now();
  const until = started + RUN_MS;
  await Promise.all(
    stack.commands.flatMap((command, i) =>
      Array.from({ length: CLIENTS_PER_INSTANCE }, () => hammer(command.baseUrl, conversation(i), until, tally)),
    ),
  );
  const elapsedS = (Date.now() - started) / 1000;
  const budget = RATE + RATE * elapsedS;

  expect(tally.other).toEqual([]);
  expect(tally.refused).toBeGreaterThan(0);
  expect([...tally.retryAfter]).toEqual(['1']);
  expect(Math.abs(tally.accepted - budget) / budget).toBeLessThanOrEqual(0.1);

  const versions = await Promise.all(
    [0, 1].map(
      async (i) =>
        (await call(stack.baseUrl, RATE_TENANT, 'GET', `/v1/conversations/${conversation(i)}`)).body.version as number,
    ),
  );
  expect(versions[0] + versions[1]).toBe(tally.accepted);
}, 60_000);

it("refuses a tenant's conversation over its limit with 429 rate_limited, creating nothing, and takes one again after a delete", async () => {
  const ids = [1, 2, 3].map((n) => `quota-${run}-${n}`);
  for (const id of ids.slice(0, QUOTA)) {
    expect((await call(stack.baseUrl, QUOTA_TENANT, 'PUT', `/v1/conversations/${id}`, {})).status).toBe(200);
  }
  const refused = await eventually('the third create refused once the two are projected', async () => {
    const res = await call(stack.baseUrl, QUOTA_TENANT, 'PUT', `/v1/conversations/${ids[2]}`, {});
    return res.status === 429 ? res : undefined;
  });
  expect(refused.body.error).toBe('rate_limited');
  expect(refused.headers.get('retry-after')).toBe('60');
  expect((await call(stack.baseUrl, QUOTA_TENANT, 'GET', `/v1/conversations/${ids[2]}`)).status).toBe(404);
  expect((await call(stack.baseUrl, RATE_TENANT, 'PUT', `/v1/conversations/other-${run}`, {})).status).toBe(200);

  expect((await call(stack.baseUrl, QUOTA_TENANT, 'DELETE', `/v1/conversations/${ids[0]}`)).status).toBe(204);
  await eventually('room for a conversation once one is deleted', async () => {
    const res = await call(stack.baseUrl, QUOTA_TENANT, 'PUT', `/v1/conversations/${ids[2]}`, {});
    return res.status === 200;
  });
});
