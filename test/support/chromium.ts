import { Browser, chromium } from 'playwright-core';

/** Debian's chromium package (scripts/ensure-deps installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A real headless Chromium for the browser tests (no browser download: the system's own). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The sandbox needs user namespaces a container or CI runner as root may not give.
    args: ['--no-sandbox'],
  });
}
