/**
 * The admin console in a real headless Chromium against the real stack (AUTH_MODE=on): command (serving the page),
 * projector, realtime, archiver and dispatcher, each a process. Each test picks up where the one before left the
 * page, as an operator would; each takes the screenshot of its view (SCREENSHOT_DIR says where it goes).
 */
import { randomBytes } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Browser, Page } from 'playwright-core';
import { api, textMessage } from '../support/api-client';
import { CommandStack } from '../support/command-stack';
import { createApiKey } from '../support/identity-provider';
import { eventually, ServiceProcess } from '../support/service-process';
import { allocatePort } from '../support/test-env';
import { archiveDir, archiverProcess, db, removeArchiveDirs } from '../archiver/support';
import { dispatcherProcess } from '../dispatcher/support';
import { FixedReceiver, launchBrowser, screenshot } from './support';

const run = randomBytes(4).toString('hex');
const TENANT = `console-${run}`;
const OTHER_TENANT = `console-other-${run}`;
const SCOPES = ['conversations:read', 'conversations:write', 'messages:append', 'runs:write', 'agents:manage'];
const HISTORY = 120;
const RETAINED = 10;

const dir = archiveDir('console');
const realtimePort = allocatePort();
const stack = new CommandStack('console', 1, {
  AUTH_MODE: 'on',
  ARCHIVE_DIR: dir,
  REALTIME_PUBLIC_URL: `http://127.0.0.1:${realtimePort}`,
});
const realtime = new ServiceProcess('realtime', 'console-realtime', realtimePort, {
  ...stack.env,
  REALTIME_PORT: String(realtimePort),
  ARCHIVE_DIR: dir,
});
const archiver = archiverProcess('console-archiver', stack.env, dir, {
  ARCHIVE_RETAIN_MESSAGES: String(RETAINED),
  ARCHIVE_RETENTION_INTERVAL_MS: '300',
});
let dispatcher: ServiceProcess;
let key: string;
let otherKey: string;
let adminKey: string;
let browser: Browser;
let page: Page;

const call = (method: string, path: string, body?: unknown, credential = key) =>
  api(stack.baseUrl, method, path, body, undefined, { headers: { authorization: `Bearer ${credential}` } });

const history = `history-${run}`;

beforeAll(async () => {
  key = createApiKey(stack.env, TENANT, 'user:operator', SCOPES).key;
  otherKey = createApiKey(stack.env, OTHER_TENANT, 'user:stranger', SCOPES).key;
  adminKey = createApiKey(stack.env, 'ops', 'user:admin', ['admin']).key;
  const dispatcherKey = createApiKey(stack.env, 'ops', 'service:dispatcher', ['deliveries:reply']).key;
  dispatcher = dispatcherProcess('console', { ...stack.env, DISPATCHER_API_KEY: dispatcherKey }, stack.baseUrl);
  // The overview reads these services' own /metrics.
  const metrics = { projector: stack.projector, archiver, dispatcher };
  stack.commands[0] = stack.commands[0].withEnv({
    OVERVIEW_METRICS_URLS: Object.entries(metrics)
      .map(([name, service]) => `${name}=${service.baseUrl}/metrics`)
      .join(','),
  });
  await stack.start();
  await Promise.all([realtime.start(), archiver.start(), dispatcher.start()]);
  ({ browser, page } = await launchBrowser());

  expect((await call('PUT', `/v1/conversations/${history}`, { metadata: { channel: 'web', case: run } })).status).toBe(
    200,
  );
  for (let n = 1; n <= HISTORY; n += 1) {
    expect(
      (await call('POST', `/v1/conversations/${history}/messages`, { message: textMessage(`line ${n}`) })).status,
    ).toBe(201);
  }
  for (const channel of ['email', 'phone']) {
    expect((await call('PUT', `/v1/conversations/${channel}-${run}`, { metadata: { channel } })).status).toBe(200);
  }
  await eventually(
    'the history archived and trimmed',
    async () => ((await call('GET', `/v1/conversations/${history}`)).body.archived_seq as number) >= HISTORY - RETAINED,
  );
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([dispatcher?.stop(), archiver.stop(), realtime.stop()]);
  await stack.stop();
  removeArchiveDirs();
  await db.end();
});

/** The seqs the timeline shows, in page order. */
const shownSeqs = async (page: Page) =>
  Promise.all(
    (await page.locator('.log .entry').all()).map(async (entry) => Number(await entry.getAttribute('data-seq'))),
  );

it('signs in with an API key kept in sessionStorage only, and lists that tenant’s conversations', async () => {
  await page.goto(`${stack.baseUrl}/console/`);
  await page.getByLabel('API key or token').fill(key);
  await screenshot(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Conversations' }).waitFor();
  await page.getByRole('link', { name: history }).waitFor();

  // Evaluated in the page (the browser's storage, not Node's).
  const stored = await page.evaluate<{ session: string[]; local: number }>(
    '({ session: Object.values(sessionStorage), local: localStorage.length })',
  );
  expect(stored.session).toEqual([key]);
  expect(stored.local).toBe(0);
  expect(await page.context().cookies()).toEqual([]);
});

it('serves the page under /console: index.html for every client route, revalidated; hashed assets cached for good', async () => {
  const page = await fetch(`${stack.baseUrl}/console/conversations/${history}`);
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toBe('no-cache');
  const html = await page.text();
  const assets = [...html.matchAll(/\/console\/assets\/[^"]+/g)].map((m) => m[0]);
  expect(assets).toHaveLength(2);
  for (const asset of assets) {
    const res = await fetch(`${stack.baseUrl}${asset}`);
    expect({ asset, status: res.status, cache: res.headers.get('cache-control') }).toEqual({
      asset,
      status: 200,
      cache: 'public, max-age=31536000, immutable',
    });
  }
  expect((await fetch(`${stack.baseUrl}/console/assets/console-missing.js`)).status).toBe(404);
  const settings = await fetch(`${stack.baseUrl}/console/config.json`);
  expect(await settings.json()).toEqual({ realtime_url: realtime.baseUrl });
  // The page itself needs no credential; the API behind it does.
  expect((await fetch(`${stack.baseUrl}/v1/conversations`)).status).toBe(401);
});

it('finds a conversation by its metadata', async () => {
  await page.getByLabel('Metadata').fill(`case=${run}`);
  await page.getByRole('button', { name: 'Search' }).click();
  await eventually('only the matching conversation listed', async () => {
    const ids = await page.locator('tbody tr td:first-child').allInnerTexts();
    return ids.length === 1 && ids[0] === history;
  });
  await screenshot(page, 'conversations');
});

it('scrolls a conversation back through archived seqs to seq 1', async () => {
  await page.getByRole('link', { name: history }).click();
  await page.getByText('Stream: live').waitFor();
  expect(await shownSeqs(page)).toEqual(Array.from({ length: 50 }, (_, i) => HISTORY - 49 + i));

  // Scrolling up with the mouse wheel loads the page before the oldest shown, each time, down to seq 1 (archived).
  await page.locator('.log').hover();
  await eventually('seq 1 shown after scrolling up', async () => {
    await page.mouse.wheel(0, -100_000);
    return (await shownSeqs(page))[0] === 1;
  });
  expect(await shownSeqs(page)).toEqual(Array.from({ length: HISTORY }, (_, i) => i + 1));
  const first = page.locator('.log .entry[data-seq="1"]');
  expect(await first.innerText()).toContain('line 1');
  expect(await first.locator('.badge').innerText()).toBe('archived');
  expect(await first.innerText()).toContain('user:operator');
  await screenshot(page, 'timeline-archived');
});

it('shows a message and a run’s deltas arriving live, and cancels the run after confirmation', async () => {
  const live = `live-${run}`;
  expect((await call('PUT', `/v1/conversations/${live}`, {})).status).toBe(200);
  await page.goto(`${stack.baseUrl}/console/conversations/${live}`);
  await page.getByText('Stream: live').waitFor();

  expect(
    (await call('POST', `/v1/conversations/${live}/messages`, { message: textMessage('hello, live') })).status,
  ).toBe(201);
  await page.locator('.log .entry[data-seq="1"]', { hasText: 'hello, live' }).waitFor();
  await page.locator('.log .entry[data-seq="1"]', { hasText: 'user:operator' }).waitFor();

  const started = await call('POST', `/v1/conversations/${live}/runs`, {});
  expect(started.status).toBe(201);
  const runId = started.body.run_id as string;
  const card = page.locator(`[data-run="${runId}"]`);
  const send = async (producerSeq: number, delta: string) => {
    const sent = await call('POST', `/v1/runs/${runId}/events`, {
      producer_seq: producerSeq,
      events: [{ kind: 'text-delta', delta }],
    });
    expect(sent.status).toBe(201);
  };
  // Realtime may miss a run's first event live when it is the first record of a runs-topic partition it has not
  // started yet (it starts at the projector's position, already past it); the next event makes it read the gap
  // from Postgres. So the first two deltas go together, then each further one must arrive alone.
  await send(1, 'Thinking ');
  await send(2, 'about ');
  await card.locator('.run-text', { hasText: 'Thinking about ' }).waitFor();
  await send(3, 'it');
  await card.locator('.run-text', { hasText: 'Thinking about it' }).waitFor();
  expect(await card.locator('.run-status').innerText()).toBe('streaming');
  await screenshot(page, 'run-live');

  await card.getByRole('button', { name: 'Cancel run' }).click();
  await card.getByRole('button', { name: 'Yes, cancel this run' }).click();
  await card.locator('.run-status', { hasText: 'cancelled' }).waitFor();
  // The REST read comes from the projection, a few milliseconds behind the stream.
  await eventually(
    'the run cancelled',
    async () => (await call('GET', `/v1/runs/${runId}`)).body.status === 'cancelled',
  );
});

it('creates an agent, shows its failing delivery retried then dead, and redelivers it once the receiver is back', async () => {
  const agent = `helper-${run}`;
  const port = allocatePort();
  const failing = new FixedReceiver(port, 503);
  await failing.start();

  await page.getByRole('navigation').getByRole('link', { name: 'Agents' }).click();
  await page.getByLabel('Id').fill(agent);
  await page.getByLabel('Webhook URL').fill(failing.url);
  await page.getByLabel('Max attempts').fill('3');
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.getByText(`Signing secret of ${agent} (shown once)`).waitFor();
  await page.locator(`tr[data-agent="${agent}"]`).waitFor();
  await screenshot(page, 'agents');

  const talk = `talk-${run}`;
  const participants = [
    { id: 'operator', kind: 'user' },
    { id: agent, kind: 'agent' },
  ];
  expect((await call('PUT', `/v1/conversations/${talk}`, { participants })).status).toBe(200);
  expect(
    (await call('POST', `/v1/conversations/${talk}/messages`, { message: textMessage('anyone there?') })).status,
  ).toBe(201);

  await page.getByRole('link', { name: agent }).click();
  const row = page.locator('tbody tr', { hasText: talk });
  await row.locator('.delivery-status', { hasText: 'dead' }).waitFor({ timeout: 30_000 });
  expect(await row.innerText()).toContain('3/3');
  expect(failing.requests).toBe(3);
  await row.getByRole('button', { name: 'Attempts' }).click();
  const attempts = page.locator('.attempts tbody tr');
  await eventually('three attempts listed', async () => (await attempts.count()) === 3);
  expect(await attempts.first().innerText()).toContain('503');
  expect(await attempts.first().innerText()).toContain('receiver is down for maintenance');
  await screenshot(page, 'deliveries-dead');

  await failing.stop();
  const healthy = new FixedReceiver(port, 200);
  await healthy.start();
  try {
    await row.getByRole('button', { name: 'Redeliver' }).click();
    await row.locator('.delivery-status', { hasText: 'succeeded' }).waitFor({ timeout: 30_000 });
    expect(healthy.requests).toBe(1);
    expect(await attempts.count()).toBe(4);
    expect(await attempts.nth(3).innerText()).toContain('200');
    expect(await row.innerText()).not.toContain('HTTP 503');
    await screenshot(page, 'deliveries-redelivered');
  } finally {
    await healthy.stop();
  }
});

it('shows a key of another tenant none of it', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key or token').fill(otherKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('No conversation matches.').waitFor();
  expect(await page.locator('tbody tr').count()).toBe(0);
  await screenshot(page, 'other-tenant');

  await page.goto(`${stack.baseUrl}/console/conversations/${history}`);
  await page.getByRole('alert').filter({ hasText: '404 conversation_not_found' }).waitFor();
  await page.goto(`${stack.baseUrl}/console/agents/helper-${run}`);
  await page.getByRole('alert').filter({ hasText: '404 not_found' }).waitFor();
  await page.getByRole('navigation').getByRole('link', { name: 'Agents' }).click();
  await page.getByRole('heading', { name: 'Agents' }).waitFor();
  expect(await page.locator('tbody tr').count()).toBe(0);
});

it('draws the overview from the services’ metrics for an admin key only', async () => {
  await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('alert').filter({ hasText: 'needs a credential with the admin scope' }).waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key or token').fill(adminKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
  for (const service of ['projector', 'archiver', 'dispatcher']) {
    await page.getByText(`${service} up`).waitFor();
  }
  // The agent whose delivery died and then succeeded (circuits are per tenant and agent): closed again.
  await page.locator(`tr[data-circuit="${TENANT}/helper-${run}"] .circuit-closed`).waitFor();
  // Appends while the page polls show as a rate above 0, drawn over at least three samples.
  const appends = page.locator('figure', { hasText: 'Appends per second' });
  await eventually(
    'three samples drawn, the last with appends per second above 0',
    async () => {
      const busy = await call('POST', `/v1/conversations/${history}/messages`, { message: textMessage('busy') });
      expect(busy.status).toBe(201);
      const label = (await appends.locator('svg').getAttribute('aria-label')) ?? '';
      const samples = Number(/last (\d+) samples/.exec(label)?.[1]);
      return samples >= 3 && Number(await appends.locator('.value').innerText()) > 0;
    },
    60_000,
    500,
  );
  await screenshot(page, 'overview');

  // The answer is the one the OpenAPI document describes.
  const doc = await call('GET', '/v1/openapi.json', undefined, adminKey);
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  const schemas = (doc.body.components as { schemas: Record<string, object> }).schemas;
  for (const [name, schema] of Object.entries(schemas)) {
    ajv.addSchema(schema, `#/components/schemas/${name}`);
  }
  const validate = ajv.getSchema('#/components/schemas/Overview')!;
  const overview = await call('GET', '/v1/admin/overview', undefined, adminKey);
  expect({ status: overview.status, valid: validate(overview.body), errors: validate.errors ?? null }).toEqual({
    status: 200,
    valid: true,
    errors: null,
  });
});

it('lets an admin view a tenant through a read key minted for it, revoked when the admin switches back', async () => {
  await page.getByLabel('Tenant id').fill(TENANT);
  await page.getByRole('button', { name: 'View this tenant' }).click();
  await page.getByRole('heading', { name: 'Conversations' }).waitFor();
  await page.getByRole('link', { name: history }).waitFor();
  await page.getByText(`tenant ${TENANT} (admin view)`).waitFor();
  await screenshot(page, 'tenant-switch');

  const minted = async () => {
    const keys = await call('GET', `/v1/admin/api-keys?tenant_id=${TENANT}`, undefined, adminKey);
    return (keys.body.api_keys as Array<{ subject: string; scopes: string[]; revoked_at: string | null }>).filter(
      (k) => k.subject === 'user:console-admin',
    );
  };
  expect(await minted()).toEqual([
    expect.objectContaining({ scopes: ['conversations:read', 'agents:manage'], revoked_at: null }),
  ]);

  await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('button', { name: 'Back to the admin key' }).click();
  await page.getByRole('heading', { name: 'Conversations' }).waitFor();
  await page.getByText('No conversation matches.').waitFor();
  expect(await page.getByText('(admin view)').count()).toBe(0);
  expect(await minted()).toEqual([expect.objectContaining({ revoked_at: expect.any(String) as string })]);
});
