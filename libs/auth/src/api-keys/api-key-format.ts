import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'tl_';

/** `tl_` + base64url of 32 random bytes (43 characters). */
const API_KEY_PATTERN = /^tl_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function isApiKeyShaped(credential: string): boolean {
  return API_KEY_PATTERN.test(credential);
}

/** What is stored instead of the key: its SHA-256, hex. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
