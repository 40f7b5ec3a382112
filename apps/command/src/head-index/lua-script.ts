import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';

/** A Lua script run by its SHA1, loaded on first use and again after a Redis restart (NOSCRIPT). */
export class LuaScript {
  private readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run<Reply = string[]>(redis: RedisClientType, keys: string[], args: string[]): Promise<Reply> {
    try {
      return (await redis.evalSha(this.sha, { keys, arguments: args })) as Reply;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return (await redis.eval(this.source, { keys, arguments: args })) as Reply;
      }
      throw error;
    }
  }
}
