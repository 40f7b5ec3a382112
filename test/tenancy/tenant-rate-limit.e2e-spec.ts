import { randomBytes } from 'node:crypto';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';

/*
 * A tenant's append budget is shared by every command instance: two instances
 * hammered at once accept what one bucket allows (a second's burst plus the rate
 * over the run), within 10 %, and refuse the rest with 429 rate_limited.
 */
const RATE = 10;
const RUN_MS = 3000;
const CLIENTS_PER_INSTANCE = 6;
const run = randomBytes(4).toString('hex');
const conversation = (i: number) => `limited-${run}-${i}`;

const stack = new CommandStack('tenant-rate-limit', 2, { LIMIT_TENANT_APPENDS_PER_S: String(RATE) });

beforeAll(async () => {
  await stack.start();
  for (const [i, command] of stack.commands.entries()) {
    expect((await api(command.baseUrl, 'PUT', `/v1/conversations/${conversation(i)}`, {})).status).toBe(200);
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
    const res = await api(baseUrl, 'POST', `/v1/conversations/${conversationId}/messages`, {
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
        (await api<{ version: number }>(stack.baseUrl, 'GET', `/v1/conversations/${conversation(i)}`)).body.version,
    ),
  );
  expect(versions[0] + versions[1]).toBe(tally.accepted);
}, 60_000);
