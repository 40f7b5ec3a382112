/**
 * The SDK's browser build in real headless Chromium (Debian's chromium, driven by playwright-core): a page served
 * from its own origin appends, subscribes and receives through the real command and realtime services
 * cross-origin, allowed by CORS_ORIGINS; the same page from an origin not on the list is refused by the browser.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { allocatePort } from '../support/test-env';
import { StaticServer } from './browser/static-server';
import { ClientStack, uniqueId } from './client-stack';

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'libs', 'client', 'dist', 'threadline-client.browser.js');
const pagePort = allocatePort();
const allowedOrigin = `http://127.0.0.1:${pagePort}`;
const services = new ClientStack('browser', { CORS_ORIGINS: allowedOrigin });
const pages = new StaticServer({
  '/index.html': join(__dirname, 'browser', 'sdk-page.html'),
  '/threadline-client.browser.js': BUNDLE,
});
let browser: Browser;

interface PageResult {
  ok: boolean;
  received?: { seq: number; text: string }[];
  producerId?: string;
  hasWebSocket?: string;
  name?: string;
  code?: string;
}

beforeAll(async () => {
  if (!existsSync(BUNDLE)) {
    throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
  }
  await Promise.all([services.start(), pages.listen(pagePort)]);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await pages.close();
  await services.stop();
});

async function runPage(origin: string, id: string): Promise<PageResult> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    const query = new URLSearchParams({
      api: services.stack.baseUrl,
      realtime: services.realtime.baseUrl,
      token: await services.token('user:ada'),
      id,
    });
    await page.goto(`${origin}/index.html?${query.toString()}`);
    await page.waitForFunction(() => 'result' in globalThis, undefined, { timeout: 30_000 });
    return await page.evaluate(() => (globalThis as unknown as { result: PageResult }).result);
  } finally {
    await context.close();
  }
}

it('appends, subscribes and receives every message in order from a page of an allowed origin', async () => {
  const id = uniqueId('browser');
  const result = await runPage(allowedOrigin, id);
  expect(result).toMatchObject({
    ok: true,
    hasWebSocket: 'function',
    received: [
      { seq: 1, text: 'one' },
      { seq: 2, text: 'two' },
      { seq: 3, text: 'three' },
    ],
  });
  const client = await services.client();
  const stored = await client.handle(id).replay();
  expect(stored.messages.map((m) => m.kind === 'message' && m.actor)).toEqual(['user:ada', 'user:ada', 'user:ada']);
  expect(stored.messages[0]).toMatchObject({ producer_id: result.producerId, producer_seq: 1 });
});

it('is refused by the browser from an origin CORS_ORIGINS does not list, and nothing is written', async () => {
  const id = uniqueId('browser-refused');
  const result = await runPage(`http://localhost:${pagePort}`, id);
  expect(result).toMatchObject({ ok: false, name: 'UnavailableError', code: 'network_error' });
  const client = await services.client();
  await expect(client.getConversation(id)).rejects.toMatchObject({ code: 'conversation_not_found' });
});

it("realtime's SSE answers the allowed origin with its CORS header and another origin without one", async () => {
  const id = uniqueId('browser-sse');
  const client = await services.client();
  await client.conversation(id);
  const sseHeader = async (origin: string) => {
    const controller = new AbortController();
    const query = new URLSearchParams({ cursor: '0', access_token: await services.token() });
    const res = await fetch(`${services.realtime.baseUrl}/v1/conversations/${id}/events?${query.toString()}`, {
      headers: { origin },
      signal: controller.signal,
    });
    controller.abort();
    return { status: res.status, allowed: res.headers.get('access-control-allow-origin') };
  };
  expect(await sseHeader(allowedOrigin)).toEqual({ status: 200, allowed: allowedOrigin });
  expect(await sseHeader('http://evil.example')).toEqual({ status: 200, allowed: null });
});
