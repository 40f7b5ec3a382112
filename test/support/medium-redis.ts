import { randomBytes } from 'node:crypto';
import { createClient, RedisClientType } from 'redis';
import { TEST_REDIS_URL } from './test-env';

/**
 * For a medium spec: a client of the local stack's Redis, connected before the
 * file's tests and closed after them, and a key prefix of its own per test
 * (`prefix()`, new before each test) whose keys are deleted after the test.
 */
export function mediumRedis(): { client: RedisClientType; prefix: () => string } {
  const client: RedisClientType = createClient({ url: TEST_REDIS_URL });
  let current = '';
  beforeAll(async () => {
    await client.connect();
  });
  afterAll(async () => {
    await client.quit();
  });
  beforeEach(() => {
    current = `medium:${randomBytes(4).toString('hex')}`;
  });
  afterEach(async () => {
    for await (const keys of client.scanIterator({ MATCH: `${current}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys);
    }
  });
  return { client, prefix: () => current };
}
