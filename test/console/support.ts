import { mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';

/**
 * Where the tests write their screenshots: the pictures docs/console.md shows when `npm run docs:screenshots`
 * runs them (UPDATE_SCREENSHOTS=1), else beside the test logs, so a test run leaves the tree as it was.
 */
export const SCREENSHOT_DIR =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? join(__dirname, '..', '..', 'docs', 'console')
    : join(__dirname, '..', '..', '.data', 'test-logs', 'console-screenshots');

/** A real headless Chromium with one page of a fixed size (the screenshots stay comparable). */
export async function launchBrowser(): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  return { browser, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/**
 * An agent's webhook receiver: a real HTTP server on a fixed loopback port answering every request with one
 * status, so a test can stop it and start a healthy one on the same address.
 */
export class FixedReceiver {
  requests = 0;
  private readonly server: Server;

  constructor(
    readonly port: number,
    private readonly status: number,
  ) {
    this.server = createServer((req, res) => {
      this.requests += 1;
      req.resume();
      req.on('end', () => {
        res.writeHead(this.status, { 'content-type': 'application/json' });
        res.end(this.status >= 400 ? '{"error":"receiver is down for maintenance"}' : '');
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
