import { Logger, Provider } from '@nestjs/common';
import { createClient, RedisClientType } from 'redis';
import { COMMAND_CONFIG, CommandConfig } from '../config/command.config';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

const logger = new Logger('Redis');

/**
 * One Redis connection per instance (commands pipeline over it). Reconnects
 * forever with backoff; commands issued while disconnected fail fast instead
 * of queueing, so a Redis outage turns into prompt 503s.
 */
export const redisClientProvider: Provider = {
  provide: REDIS_CLIENT,
  inject: [COMMAND_CONFIG],
  useFactory: async (config: CommandConfig): Promise<RedisClientType> => {
    const client = createClient({
      url: config.redis.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      },
    }) as RedisClientType;
    client.on('error', (error: Error) => logger.warn(`redis: ${error.message}`));
    await client.connect().catch((error: Error) => logger.warn(`redis not reachable yet: ${error.message}`));
    return client;
  },
};
