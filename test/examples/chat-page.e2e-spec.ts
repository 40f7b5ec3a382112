/**
 * examples/chat-page in real headless Chromium, served from its own origin with the SDK's browser build next to
 * it, against the real services cross-origin (CORS_ORIGINS): it shows the history, a live message, a run's deltas
 * as they stream and then its committed message, and appends what the user sends.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { allocatePort } from '../support/test-env';
import { eventually } from '../support/service-process';
import { StaticServer } from '../client/browser/static-server';
import { ClientStack, text, uniqueId } from '../client/client-stack';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'chat-page');
const BUNDLE = join(ROOT, 'libs', 'client', 'dist', 'threadline-client.browser.js');
const pagePort = allocatePort();
const origin = `http://127.0.0.1:${pagePort}`;
const services = new ClientStack('chat-page', { CORS_ORIGINS: origin });
const pages = new StaticServer({
  '/index.html': join(EXAMPLE, 'index.html'),
  '/chat.js': join(EXAMPLE, 'chat.js'),
  '/threadline-client.browser.js': BUNDLE,
});
let browser: Browser;

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

const lines = (page: Page) => page.locator('#messages li').allTextContents();

it('shows the history, live messages and a streamed run, and sends what the user types', async () => {
  const client = await services.client();
  const id = uniqueId('chat');
  const convo = await client.conversation(id);
  await convo.append(text('Hi, can you help?'));
  await convo.append(text('Of course.', 'assistant'));

  const page = await browser.newPage();
  const query = new URLSearchParams({
    api: services.stack.baseUrl,
    realtime: services.realtime.baseUrl,
    token: await services.token('user:ada'),
    id,
  });
  await page.goto(`${origin}/index.html?${query.toString()}`);
  await page.waitForSelector('body[data-state="live"]');
  expect(await lines(page)).toEqual(['userHi, can you help?', 'assistantOf course.']);

  await convo.append(text('Where is my order?'));
  await page.waitForSelector('li[data-seq="3"]');

  const run = await convo.startRun();
  await run.push([
    { kind: 'text-delta', delta: 'It ships ' },
    { kind: 'text-delta', delta: 'today.' },
  ]);
  await page.waitForSelector('li.streaming:has-text("It ships today.")');
  await run.commit();
  await page.waitForSelector('li[data-seq="4"]');
  expect(await page.locator('li.streaming').count()).toBe(0);

  await page.fill('#text', 'Thanks!');
  await page.click('#composer button');
  await page.waitForSelector('li[data-seq="5"]');
  expect(await lines(page)).toEqual([
    'userHi, can you help?',
    'assistantOf course.',
    'userWhere is my order?',
    'assistantIt ships today.',
    'userThanks!',
  ]);
  const sent = await eventually('the sent message', async () => (await convo.replay({ from: 5 })).messages[0]);
  expect(sent).toMatchObject({ kind: 'message', actor: 'user:ada', parts: [{ text: 'Thanks!' }] });
  await page.close();
});
