import { join } from 'node:path';

/**
 * Where the console's built page lives: scripts/build bundles apps/console into dist/console, next to
 * dist/apps (this file runs as dist/apps/command/src/console/console-assets.js).
 */
export const CONSOLE_DIR = join(__dirname, '..', '..', '..', '..', 'console');

/** The URL prefix the console is served under (its assets, its client routes). */
export const CONSOLE_PREFIX = '/console';

/** Hashed bundle files never change under one name: cached for a year (`public, max-age=31536000, immutable`). */
export const ASSET_MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;
/** index.html is revalidated every time. */
export const PAGE_CACHE_CONTROL = 'no-cache';
